package dev.iommufw.report;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import org.jspecify.annotations.Nullable;

/**
 * Format detection and the per-file report entry point: a report, or a single error line naming the
 * category, the format and the offset of the node at fault.
 */
public final class Reports {
  private static final FirmwareReport DTB = new DtbReport();
  private static final FirmwareReport IORT = new IortReport();
  private static final FirmwareReport VIOT = new ViotReport();

  private Reports() {}

  /**
   * Picks the report for a file by its first four bytes: {@code d0 0d fe ed} is a DTB, {@code IORT}
   * and {@code VIOT} are ACPI tables.
   *
   * @param file the whole file
   * @return the report that reads it
   * @throws ReportException {@code bad-signature} (format null) for anything else
   */
  public static FirmwareReport detect(byte[] file) throws ReportException {
    if (file.length >= 4) {
      if ((file[0] & 0xff) == 0xd0
          && (file[1] & 0xff) == 0x0d
          && (file[2] & 0xff) == 0xfe
          && (file[3] & 0xff) == 0xed) {
        return DTB;
      }
      if (file[0] == 'I' && file[1] == 'O' && file[2] == 'R' && file[3] == 'T') {
        return IORT;
      }
      if (file[0] == 'V' && file[1] == 'I' && file[2] == 'O' && file[3] == 'T') {
        return VIOT;
      }
    }
    throw new ReportException("bad-signature", null, null, signatureProblem(file), null);
  }

  private static String signatureProblem(byte[] file) {
    if (file.length == 0) {
      return "empty file, not a DTB, IORT or VIOT";
    }
    if (file.length < 4) {
      return "only "
          + file.length
          + " byte"
          + (file.length == 1 ? "" : "s")
          + ", too short for a DTB, IORT or VIOT signature";
    }
    return String.format(
        java.util.Locale.ROOT,
        "starts with %02x %02x %02x %02x, not a DTB (d0 0d fe ed), IORT or VIOT signature"
            + " (at byte offset 0)",
        file[0] & 0xff,
        file[1] & 0xff,
        file[2] & 0xff,
        file[3] & 0xff);
  }

  /**
   * Writes the report of one file, or its single error line.
   *
   * @param file the whole file
   * @param out where the report goes
   * @return true for a report, false for an error line
   * @throws IOException when {@code out} fails
   */
  public static boolean writeReport(byte[] file, OutputStream out) throws IOException {
    return writeReportOrError(file, out) == null;
  }

  /**
   * Writes the report of one file, or its single error line, and returns the error.
   *
   * @return null after a report, the error after its error line
   */
  static @Nullable ReportException writeReportOrError(byte[] file, OutputStream out)
      throws IOException {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream(4096);
    try (JsonLines lines = new JsonLines(buffer)) {
      try {
        detect(file).write(file, lines);
      } catch (ReportException e) {
        lines.flush();
        buffer.reset();
        e.writeTo(lines);
        lines.flush();
        buffer.writeTo(out);
        return e;
      }
    }
    buffer.writeTo(out);
    return null;
  }
}
