package dev.iommufw.examples.report;

/** The dtb report (being implemented). */
final class DtbReport implements FirmwareReport {
  @Override
  public void write(byte[] file, JsonLines out) throws ReportException {
    throw new ReportException("bad-structure", "dtb", null, "not implemented", null);
  }
}
