package dev.iommufw.examples;

import dev.iommufw.examples.report.Reports;
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
import picocli.CommandLine;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The fwspec report tool: {@code java -jar examples/target/fwspec-report.jar FILE...}.
 *
 * <p>For each DTB, IORT or VIOT file it prints the JSON-lines report of {@code fwspec-report.md},
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
  @Parameters(paramLabel = "FILE", arity = "1..*", description = "DTB, IORT or VIOT files")
  private List<Path> files = new ArrayList<>();

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
    int status = 0;
    for (Path file : files) {
      byte[] bytes;
      try {
        bytes = Files.readAllBytes(file);
      } catch (IOException e) {
        err.println("fwspec-report: cannot read " + file + ": " + e.getMessage());
        status = 2;
        continue;
      }
      Path target = dir.resolve(file.getFileName() + ".jsonl");
      try (OutputStream sink = new BufferedOutputStream(Files.newOutputStream(target), 1 << 16)) {
        if (!Reports.writeReport(bytes, sink) && status == 0) {
          status = 1;
        }
      } catch (IOException e) {
        err.println("fwspec-report: cannot write " + target + ": " + e.getMessage());
        status = 2;
      }
    }
    return status;
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
