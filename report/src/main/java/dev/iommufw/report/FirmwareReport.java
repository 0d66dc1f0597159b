package dev.iommufw.report;

/**
 * One report format: turns a whole input file into report lines.
 *
 * <p>Implementations are stateless and thread-safe. They must either write a complete report or
 * throw {@link ReportException}; the caller discards partial output on error.
 */
@FunctionalInterface
public interface FirmwareReport {
  /**
   * Writes the report of {@code file} to {@code out}.
   *
   * @param file the whole input file
   * @param out where the lines go
   * @throws ReportException when the input is malformed
   */
  void write(byte[] file, JsonLines out) throws ReportException;
}
