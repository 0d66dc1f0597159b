package dev.iommufw.report;

import dev.iommufw.machine.Machine;
import dev.iommufw.machine.MachineState;
import java.io.IOException;
import java.io.OutputStream;
import org.jspecify.annotations.Nullable;

/**
 * The components the commands call, replaceable by tests (to prove that a bug inside one is
 * reported as an internal error) and nothing else.
 *
 * @param reporter writes one firmware file's report
 * @param booter boots one machine
 * @param stderrIsTerminal whether standard error is a terminal (progress lines are drawn only then)
 * @param progressIntervalNanos the least time between two progress lines
 */
record Seams(
    FileReporter reporter, Booter booter, boolean stderrIsTerminal, long progressIntervalNanos) {
  /** The production components, for a run from {@code main} or {@link FwspecReportTool#run}. */
  static Seams production(boolean stderrIsTerminal) {
    return new Seams(Reports::writeReportOrError, Machine::boot, stderrIsTerminal, 100_000_000L);
  }

  /** Writes one firmware file's report. */
  @FunctionalInterface
  interface FileReporter {
    /**
     * Writes the report of {@code file}, or its error line.
     *
     * @return null after a report, the error after its error line
     */
    @Nullable ReportException write(byte[] file, OutputStream out) throws IOException;
  }

  /** Boots one machine. */
  @FunctionalInterface
  interface Booter {
    MachineState boot(Machine machine);
  }
}
