package dev.iommufw.examples.report;

/** The viot report (being implemented). */
final class ViotReport implements FirmwareReport {
  @Override
  public void write(byte[] file, JsonLines out) throws ReportException {
    throw new ReportException("bad-structure", "viot", null, "not implemented", null);
  }
}
