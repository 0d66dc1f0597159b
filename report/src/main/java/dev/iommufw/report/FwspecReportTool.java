package dev.iommufw.report;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The fwspec report tool, {@code fwspec-report COMMAND}: {@code report FILE...} for DTB, IORT and
 * VIOT files, {@code machine PATH...} for machine descriptions, {@code demo [NAME]} for a machine
 * shipped inside the tool.
 *
 * <p>For each DTB, IORT or VIOT file it prints its JSON-lines report (see <a
 * href="{@docRoot}/dev/iommufw/core/doc-files/report-formats.html">the report formats</a>), or that
 * format's single error line.
 *
 * <p>Exit status: 0 when every input gave its report, 1 when an input was malformed (its error line
 * is on standard output, the cause on standard error), 2 for a usage error or a file that cannot be
 * read or written, 3 for a bug inside the tool. Over several inputs, the worst.
 *
 * <p>The 0.1 command line ({@code FILE...}, {@code --machine}, {@code --demo}, {@code --format},
 * {@code --output-dir} without a command) still works in 0.2, with a warning on standard error.
 */
@Command(
    name = "fwspec-report",
    mixinStandardHelpOptions = true,
    optionListHeading = "%nOptions:%n",
    commandListHeading = "%nCommands:%n",
    version = "fwspec-report 0.2.0",
    description = {
      "Reports which IOMMU instance and which IDs the Linux firmware glue (device tree, ACPI"
          + " IORT and VIOT) gives each device: per firmware file, or for a whole machine booted"
          + " from its description. With no arguments, runs the demo command.",
    },
    footer = {
      "",
      "Run fwspec-report COMMAND --help for a command's options.",
      "",
      "Deprecated since 0.2 and removed after it: the 0.1 command line without a COMMAND."
          + " FILE... is report FILE...; --output-dir DIR FILE... is report --output-dir DIR"
          + " FILE...; --machine PATH is machine PATH; --demo[=NAME] is demo [NAME]; --format"
          + " goes with the last two. It prints a warning on standard error."
    },
    exitCodeListHeading = "%nExit status (the worst over several inputs):%n",
    exitCodeList = {
      "0:every input gave its report",
      "1:an input was malformed: its error line is on standard output, the cause on standard"
          + " error",
      "2:usage error, or a file could not be read or written",
      "3:internal error: a bug in the tool, not bad input (--debug prints the stack trace)"
    })
public final class FwspecReportTool implements Callable<Integer> {
  @Parameters(paramLabel = "FILE", arity = "0..*", hidden = true)
  private List<Path> legacyFiles = new ArrayList<>();

  @Option(names = "--machine", paramLabel = "PATH", hidden = true)
  private @Nullable Path legacyMachine;

  @Option(names = "--format", paramLabel = "FORMAT", hidden = true)
  private @Nullable String legacyFormat;

  @Option(
      names = "--demo",
      arity = "0..1",
      paramLabel = "NAME",
      fallbackValue = DemoCommand.DEFAULT_DEMO,
      hidden = true)
  private @Nullable String legacyDemo;

  @Option(names = "--output-dir", paramLabel = "DIR", hidden = true)
  private @Nullable Path legacyOutputDir;

  private final PrintStream out;
  private final PrintStream err;
  private final Seams seams;

  private FwspecReportTool(PrintStream out, PrintStream err, Seams seams) {
    this.out = out;
    this.err = err;
    this.seams = seams;
  }

  /** No command: the demo, or the deprecated 0.1 command line. */
  @Override
  public Integer call() throws IOException {
    Path machine = legacyMachine;
    String demo = legacyDemo;
    if (machine == null && demo == null && legacyFiles.isEmpty() && legacyOutputDir == null) {
      return legacyFormat == null
          ? new DemoCommand(out, err, seams).call()
          : usage("--format needs a command: fwspec-report demo --format " + legacyFormat);
    }
    MachineFormat format;
    try {
      format =
          legacyFormat == null
              ? (machine != null ? MachineFormat.JSONL : MachineFormat.TEXT)
              : MachineFormat.parse(legacyFormat);
    } catch (CommandLine.TypeConversionException e) {
      return usage("--format: " + e.getMessage());
    }
    if (machine != null || demo != null) {
      if (!legacyFiles.isEmpty() || legacyOutputDir != null || (machine != null && demo != null)) {
        return usage("--machine and --demo take no FILE, --output-dir or each other");
      }
      if (machine != null) {
        deprecated("machine PATH");
        return new MachineCommand(out, err, seams).with(List.of(machine), format).call();
      }
      deprecated("demo [NAME]");
      return new DemoCommand(out, err, seams)
          .with(demo == null ? DemoCommand.DEFAULT_DEMO : demo, format)
          .call();
    }
    if (legacyFormat != null) {
      return usage("--format applies to machines, not to firmware files");
    }
    if (legacyFiles.isEmpty()) {
      return usage("--output-dir needs at least one FILE");
    }
    deprecated(legacyOutputDir != null ? "report --output-dir DIR FILE..." : "report FILE...");
    return new ReportCommand(out, err, seams).with(legacyFiles, legacyOutputDir).call();
  }

  private void deprecated(String replacement) {
    err.println(
        Diagnostics.PREFIX
            + "warning: this command line is deprecated and goes after"
            + " 0.2; use fwspec-report "
            + replacement);
  }

  private int usage(String message) {
    err.println(Diagnostics.PREFIX + message);
    return ExitStatus.USAGE_OR_IO;
  }

  /**
   * Runs the tool.
   *
   * @param args command line
   * @param out report output
   * @param err causes, warnings and usage errors
   * @return the exit status
   */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    return run(args, out, err, Seams.production(false));
  }

  static int run(String[] args, PrintStream out, PrintStream err, Seams seams) {
    Integer fast = FastPath.run(args, out, err, seams);
    if (fast != null) {
      return fast;
    }
    CommandLine cli = commandLine(out, err, seams, List.of(args).contains("--debug"));
    return cli.execute(args);
  }

  static CommandLine commandLine(PrintStream out, PrintStream err, Seams seams, boolean debug) {
    CommandLine cli = new CommandLine(new FwspecReportTool(out, err, seams));
    cli.addSubcommand(new ReportCommand(out, err, seams));
    cli.addSubcommand(new MachineCommand(out, err, seams));
    cli.addSubcommand(new DemoCommand(out, err, seams));
    cli.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
    cli.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          // Anything that escapes a command is a bug: commands turn bad input and I/O into causes.
          new Diagnostics(err, debug).internal(commandLine.getCommandName(), e);
          return ExitStatus.INTERNAL;
        });
    cli.setParameterExceptionHandler(
        (e, args) -> {
          CommandLine where = e.getCommandLine();
          err.println(Diagnostics.PREFIX + e.getMessage());
          err.print("Usage: " + where.getHelp().synopsis(0));
          err.println("Run '" + where.getCommandSpec().qualifiedName() + " --help' for more.");
          return ExitStatus.USAGE_OR_IO;
        });
    HelpLayout.install(cli);
    return cli;
  }

  /**
   * Entry point.
   *
   * @param args command line
   */
  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err, Seams.production(stderrIsTerminal())));
  }

  /** Whether standard error is a terminal (Linux: a tty or pts behind file descriptor 2). */
  private static boolean stderrIsTerminal() {
    try {
      String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
      return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }
}
