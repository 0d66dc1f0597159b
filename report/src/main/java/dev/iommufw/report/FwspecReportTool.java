package dev.iommufw.report;

import dev.iommufw.report.Reports;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The fwspec report tool: {@code java -jar report/target/fwspec-report.jar FILE...}.
 *
 * <p>For each DTB, IORT or VIOT file it prints its JSON-lines report (see
 * <a href="{@docRoot}/dev/iommufw/core/doc-files/report-formats.html">the report formats</a>),
 * or that format's single error line. The exit status is 0 when every file gave a report, 1 when
 * any file was malformed, 2 for a usage error or an unreadable file.
 */
@Command(
    name = "fwspec-report",
    mixinStandardHelpOptions = true,
    version = "fwspec-report 0.1.0",
    description = {
      "Prints, for each device tree blob (DTB) or ACPI IORT/VIOT table, which IOMMU instance",
      "and which IDs the Linux firmware glue would give each described device, as JSON lines."
    })
public final class FwspecReportTool implements Callable<Integer> {
  @Parameters(paramLabel = "FILE", arity = "0..*", description = "DTB, IORT or VIOT files")
  private List<Path> files = new ArrayList<>();

  @Option(
      names = "--machine",
      paramLabel = "PATH",
      description =
          "Boot the machine described by PATH/machine.json and print its report:"
              + " per device, the IOMMU instance, IDs, error and IOMMU group.")
  private @Nullable Path machine;

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      description =
          "Machine output: jsonl (the machine report; default for --machine), text (the PCI"
              + " tree as lspci -tv draws it, annotated; default for --demo) or dot (Graphviz).")
  private @Nullable String format;

  @Option(
      names = "--demo",
      arity = "0..1",
      paramLabel = "NAME",
      fallbackValue = MachineCommand.DEFAULT_DEMO,
      description =
          "Boot a QEMU machine shipped with the tool (default "
              + MachineCommand.DEFAULT_DEMO
              + "; also linux-6.12-dt-smmuv3-custom-map) and print its text view. The default"
              + " when no FILE is given.")
  private @Nullable String demo;

  @Option(
      names = "--output-dir",
      paramLabel = "DIR",
      description =
          "Batch mode: write each file's report to DIR/<file name>.jsonl instead of standard"
              + " output (the input file names must be distinct).")
  private @Nullable Path outputDir;

  private final PrintStream out;
  private final PrintStream err;

  /**
   * Creates the tool writing to the given streams.
   *
   * @param out report output
   * @param err diagnostics for unreadable files
   */
  public FwspecReportTool(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  @Override
  public Integer call() throws IOException {
    Path dir = outputDir;
    Path machinePath = machine;
    if (machinePath != null || demo != null || (files.isEmpty() && dir == null)) {
      if (!files.isEmpty() || dir != null || (machinePath != null && demo != null)) {
        err.println("fwspec-report: --machine and --demo take no FILE, --output-dir or each other");
        return 2;
      }
      MachineCommand command = new MachineCommand(out, err);
      return machinePath != null
          ? command.machine(machinePath, format == null ? "jsonl" : format)
          : command.demo(
              demo == null ? MachineCommand.DEFAULT_DEMO : demo,
              format == null ? "text" : format);
    }
    if (dir != null) {
      return writeBatch(dir);
    }
    int status = 0;
    OutputStream sink = new BufferedOutputStream(out, 1 << 16);
    for (Path file : files) {
      byte[] bytes;
      try {
        bytes = Files.readAllBytes(file);
      } catch (IOException e) {
        sink.flush();
        err.println("fwspec-report: cannot read " + file + ": " + e.getMessage());
        status = 2;
        continue;
      }
      if (!Reports.writeReport(bytes, sink) && status == 0) {
        status = 1;
      }
    }
    sink.flush();
    return status;
  }

  /**
   * Batch mode: one report file per input, so that a whole corpus is reported by one JVM. The
   * exit status means the same as on standard output; an output file that cannot be written is
   * status 2.
   */
  private int writeBatch(Path dir) {
    Set<Path> names = new HashSet<>();
    for (Path file : files) {
      Path name = file.getFileName();
      if (name == null || !names.add(name)) {
        err.println("fwspec-report: --output-dir needs distinct file names: " + file);
        return 2;
      }
    }
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      err.println("fwspec-report: cannot create " + dir + ": " + e.getMessage());
      return 2;
    }
    // The files are independent, so they are reported on all cores (a corpus run is mostly JIT
    // warm-up and parsing, which both spread); diagnostics are printed in input order after.
    String[] problems = new String[files.size()];
    int[] statuses = new int[files.size()];
    IntStream.range(0, files.size())
        .parallel()
        .forEach(i -> statuses[i] = reportInto(dir, files.get(i), problems, i));
    int status = 0;
    for (int i = 0; i < statuses.length; i++) {
      if (problems[i] != null) {
        err.println(problems[i]);
      }
      if (statuses[i] == 2 || (statuses[i] == 1 && status == 0)) {
        status = statuses[i];
      }
    }
    return status;
  }

  /** Reports one file into {@code dir}: 0, 1 (error line) or 2 (with {@code problems[i]} set). */
  private static int reportInto(Path dir, Path file, String[] problems, int i) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      problems[i] = "fwspec-report: cannot read " + file + ": " + e.getMessage();
      return 2;
    }
    Path target = dir.resolve(file.getFileName() + ".jsonl");
    try (OutputStream sink = new BufferedOutputStream(Files.newOutputStream(target), 1 << 16)) {
      return Reports.writeReport(bytes, sink) ? 0 : 1;
    } catch (IOException e) {
      problems[i] = "fwspec-report: cannot write " + target + ": " + e.getMessage();
      return 2;
    }
  }

  /**
   * Runs the tool with {@code System.out} and {@code System.err}.
   *
   * @param args command line
   * @param out report output
   * @param err error output
   * @return the exit status
   */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    CommandLine cli = new CommandLine(new FwspecReportTool(out, err));
    cli.setOut(new java.io.PrintWriter(out, true, java.nio.charset.StandardCharsets.UTF_8));
    cli.setErr(new java.io.PrintWriter(err, true, java.nio.charset.StandardCharsets.UTF_8));
    return cli.execute(args);
  }

  /**
   * Entry point.
   *
   * @param args command line
   */
  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }
}
