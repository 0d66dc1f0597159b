package dev.iommufw.report;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/** Format detection and the per-file report entry point (see the report formats guide). */
public final class Reports {
  private static final FirmwareReport DTB = new DtbReport();
  private static final FirmwareReport IORT = new IortReport();
  private static final FirmwareReport VIOT = new ViotReport();

  private Reports() {}

  /**
   * Picks the report for a file by its first four bytes: {@code d0 0d fe ed} is a DTB, {@code
   * IORT} and {@code VIOT} are ACPI tables.
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
    throw new ReportException("bad-signature", null, null, "not a DTB, IORT or VIOT", null);
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
        return false;
      }
    }
    buffer.writeTo(out);
    return true;
  }
}
