package dev.iommufw.report;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fwspec-report report FILE...}: the JSON-lines report of each DTB, IORT or VIOT file on
 * standard output, or with {@code --output-dir} one report file per input and a summary line.
 */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    header = "Report DTB, IORT and VIOT files as JSON lines.",
    parameterListHeading = "%nParameters:%n",
    optionListHeading = "%nOptions:%n",
    description = {
      "Prints, for each device tree blob (DTB) or ACPI IORT or VIOT table, which IOMMU instance"
          + " and which IDs the Linux firmware glue would give each described device, as JSON"
          + " lines. A malformed file gives one error line such as"
          + " {\"error\":\"truncated\",\"format\":\"dtb\",\"offset\":null} on standard output and"
          + " its cause on standard error: fwspec-report: FILE: CATEGORY: MESSAGE.",
      "With more than one FILE, a line {\"file\":\"FILE\"} comes before each file's lines; with"
          + " one FILE the output is the report alone."
    },
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {
      "0:every file gave its report",
      "1:a file was malformed (its error line is on standard output)",
      "2:usage error, or a file could not be read or written",
      "3:internal error: a bug in the tool, not bad input"
    })
final class ReportCommand implements Callable<Integer> {
  @Parameters(paramLabel = "FILE", arity = "1..*", description = "DTB, IORT or VIOT files.")
  private List<Path> files = new ArrayList<>();

  @Option(
      names = "--output-dir",
      paramLabel = "DIR",
      description =
          "Write each file's report to DIR/NAME.jsonl (NAME: the input's file name, which must"
              + " be distinct) instead of standard output, reporting the files in parallel, and"
              + " end with one summary line: files, reports, errors, time.")
  private @Nullable Path outputDir;

  @Option(names = "--debug", description = "Print the stack trace of an internal error.")
  private boolean debug;

  private final PrintStream out;
  private final PrintStream err;
  private final Seams seams;

  ReportCommand(PrintStream out, PrintStream err, Seams seams) {
    this.out = out;
    this.err = err;
    this.seams = seams;
  }

  /** Sets what the command line gave, when picocli did not parse it. */
  ReportCommand with(List<Path> inputs, @Nullable Path dir) {
    this.files = new ArrayList<>(inputs);
    this.outputDir = dir;
    return this;
  }

  @Override
  public Integer call() throws IOException {
    Diagnostics diagnostics = new Diagnostics(err, debug);
    Path dir = outputDir;
    return dir == null ? toStandardOutput(diagnostics) : toDirectory(dir, diagnostics);
  }

  private int toStandardOutput(Diagnostics diagnostics) throws IOException {
    int status = ExitStatus.OK;
    boolean headers = files.size() > 1;
    Progress progress =
        new Progress(err, seams.stderrIsTerminal(), files.size(), seams.progressIntervalNanos());
    OutputStream sink = new BufferedOutputStream(out, 1 << 16);
    for (Path file : files) {
      if (headers) {
        sink.write(FileHeader.json(file.toString()).getBytes(StandardCharsets.US_ASCII));
      }
      Outcome o = reportOne(file, sink);
      if (o.status() != ExitStatus.OK) {
        sink.flush();
        progress.clear();
        o.print(diagnostics);
      }
      status = ExitStatus.worst(status, o.status());
      progress.step(file);
    }
    sink.flush();
    progress.clear();
    return status;
  }

  /**
   * Batch mode: one report file per input, reported on all cores (a corpus run is mostly JIT
   * warm-up and parsing, which both spread); causes are printed in input order after.
   */
  private int toDirectory(Path dir, Diagnostics diagnostics) {
    long start = System.nanoTime();
    Map<Path, Path> names = new HashMap<>();
    for (Path file : files) {
      Path name = file.getFileName();
      Path other = name == null ? null : names.putIfAbsent(name, file);
      if (name == null || other != null) {
        err.println(
            Diagnostics.PREFIX
                + "--output-dir needs distinct file names: "
                + other
                + " and "
                + file);
        return ExitStatus.USAGE_OR_IO;
      }
    }
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      diagnostics.cause(
          dir, "io-error", "cannot create the output folder: " + Diagnostics.reason(e));
      return ExitStatus.USAGE_OR_IO;
    }
    Progress progress =
        new Progress(err, seams.stderrIsTerminal(), files.size(), seams.progressIntervalNanos());
    Outcome[] outcomes = new Outcome[files.size()];
    IntStream.range(0, files.size())
        .parallel()
        .forEach(
            i -> {
              outcomes[i] = reportInto(dir, files.get(i));
              progress.step(files.get(i));
            });
    progress.clear();
    int status = ExitStatus.OK;
    int[] counts = new int[4];
    for (Outcome o : outcomes) {
      o.print(diagnostics);
      counts[o.status()]++;
      status = ExitStatus.worst(status, o.status());
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    out.printf(
        Locale.ROOT,
        "fwspec-report: %d file%s into %s: %d reported, %d malformed, %d unreadable or"
            + " unwritable, %d internal errors, %.2f s%n",
        files.size(),
        files.size() == 1 ? "" : "s",
        dir,
        counts[ExitStatus.OK],
        counts[ExitStatus.BAD_INPUT],
        counts[ExitStatus.USAGE_OR_IO],
        counts[ExitStatus.INTERNAL],
        seconds);
    out.flush();
    return status;
  }

  private Outcome reportInto(Path dir, Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      return Outcome.io(file, "cannot read: " + Diagnostics.reason(e));
    }
    Path target = dir.resolve(file.getFileName() + ".jsonl");
    try (OutputStream sink = new BufferedOutputStream(Files.newOutputStream(target))) {
      return Outcome.of(file, seams.reporter().write(bytes, sink));
    } catch (IOException e) {
      return Outcome.io(target, "cannot write: " + Diagnostics.reason(e));
    } catch (RuntimeException bug) {
      return Outcome.internal(file, bug);
    }
  }

  private Outcome reportOne(Path file, OutputStream sink) throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      return Outcome.io(file, "cannot read: " + Diagnostics.reason(e));
    }
    try {
      return Outcome.of(file, seams.reporter().write(bytes, sink));
    } catch (RuntimeException bug) {
      return Outcome.internal(file, bug);
    }
  }

  /** What became of one input, and the cause to print for it. */
  private record Outcome(
      int status,
      Path file,
      @Nullable String code,
      @Nullable String message,
      @Nullable Throwable bug) {
    static Outcome of(Path file, @Nullable ReportException e) {
      return e == null
          ? new Outcome(ExitStatus.OK, file, null, null, null)
          : new Outcome(
              ExitStatus.BAD_INPUT, file, e.category(), String.valueOf(e.getMessage()), null);
    }

    static Outcome io(Path file, String message) {
      return new Outcome(ExitStatus.USAGE_OR_IO, file, "io-error", message, null);
    }

    static Outcome internal(Path file, Throwable bug) {
      return new Outcome(ExitStatus.INTERNAL, file, null, null, bug);
    }

    void print(Diagnostics diagnostics) {
      Throwable b = bug;
      String c = code;
      if (b != null) {
        diagnostics.internal(file, b);
      } else if (c != null) {
        diagnostics.cause(file, c, String.valueOf(message));
      }
    }
  }
}
