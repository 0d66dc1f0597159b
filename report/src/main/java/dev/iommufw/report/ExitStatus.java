package dev.iommufw.report;

/**
 * The report tool's exit statuses. A run over several inputs exits with the worst status any of
 * them gave (the highest number).
 */
final class ExitStatus {
  /** Every input gave its report. */
  static final int OK = 0;

  /** An input was malformed: its error line is on standard output, the cause on standard error. */
  static final int BAD_INPUT = 1;

  /** A usage error, or a file that could not be read or written. */
  static final int USAGE_OR_IO = 2;

  /** A bug inside the tool (not bad input): one line on standard error says where. */
  static final int INTERNAL = 3;

  private ExitStatus() {}

  /**
   * The worse of two statuses.
   *
   * @param a one status
   * @param b another
   * @return the higher one
   */
  static int worst(int a, int b) {
    return Math.max(a, b);
  }
}
