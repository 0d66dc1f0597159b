package dev.iommufw.examples.report;

/** The iort report (being implemented). */
final class IortReport implements FirmwareReport {
  @Override
  public void write(byte[] file, JsonLines out) throws ReportException {
    throw new ReportException("bad-structure", "iort", null, "not implemented", null);
  }
}
