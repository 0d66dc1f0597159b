/**
 * The fwspec report tool ({@code fwspec-report.jar}): JSON-lines reports of device tree blobs and
 * ACPI IORT/VIOT tables ({@link dev.iommufw.report.Reports}), and whole-machine reports ({@code
 * fwspec-report machine}); {@link dev.iommufw.report.FwspecReportTool} is the command-line entry
 * point.
 */
@NullMarked
package dev.iommufw.report;

import org.jspecify.annotations.NullMarked;
