package dev.iommufw.report;

import dev.iommufw.acpi.AcpiTableException;

/** Maps the ACPI parsers' typed errors to the report's error line. */
final class AcpiReportErrors {
  private AcpiReportErrors() {}

  static ReportException toReport(AcpiTableException e, String format) {
    // A wrong signature cannot reach here through Reports.detect, but a direct caller could.
    String f = e.problem() == AcpiTableException.Problem.BAD_SIGNATURE ? null : format;
    return new ReportException(
        e.problem().category(), f, e.nodeOffset(), String.valueOf(e.getMessage()), e);
  }
}
