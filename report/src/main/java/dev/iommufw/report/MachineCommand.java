package dev.iommufw.report;

import dev.iommufw.machine.Machine;
import dev.iommufw.machine.MachineDescription;
import dev.iommufw.machine.MachineException;
import dev.iommufw.machine.MachineJson;
import dev.iommufw.machine.MachineState;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fwspec-report machine PATH...}: boots each machine description and prints its report.
 * Every machine is booted in the same JVM; one that fails does not stop the others, and the exit
 * status is the worst any of them gave.
 */
@Command(
    name = "machine",
    mixinStandardHelpOptions = true,
    header = "Boot machine descriptions and report every device.",
    parameterListHeading = "%nParameters:%n",
    optionListHeading = "%nOptions:%n",
    description = {
      "Boots the machine described by each PATH (a machine.json file, or the folder that holds"
          + " one) and prints, per device, the IOMMU instance, IDs, error and IOMMU group. A bad"
          + " description or firmware file prints one error line such as"
          + " {\"error\":\"bad-machine\",\"format\":\"machine\",\"offset\":null} on standard"
          + " output and its cause on standard error: fwspec-report: FILE: CATEGORY: MESSAGE.",
      "With more than one PATH, a line {\"file\":\"PATH\"} (with --format text: # file: PATH;"
          + " dot: // file: PATH) comes before each machine's output."
    },
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {
      "0:every machine gave its report",
      "1:a description or firmware file was malformed (its error line is on standard output)",
      "2:usage error, or a file could not be read",
      "3:internal error: a bug in the tool, not bad input"
    })
final class MachineCommand implements Callable<Integer> {
  @Parameters(
      paramLabel = "PATH",
      arity = "1..*",
      description = "A machine.json file, or the folder that holds one.")
  private List<Path> paths = new ArrayList<>();

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      converter = MachineFormat.Converter.class,
      description =
          "jsonl (default): one JSON line per device; text: the PCI tree as lspci -tv draws it,"
              + " annotated; dot: a Graphviz graph.")
  private MachineFormat format = MachineFormat.JSONL;

  @Option(names = "--debug", description = "Print the stack trace of an internal error.")
  private boolean debug;

  private final PrintStream out;
  private final PrintStream err;
  private final Seams seams;

  MachineCommand(PrintStream out, PrintStream err, Seams seams) {
    this.out = out;
    this.err = err;
    this.seams = seams;
  }

  /** Sets what the command line gave, when picocli did not parse it. */
  MachineCommand with(List<Path> inputs, MachineFormat f) {
    this.paths = new ArrayList<>(inputs);
    this.format = f;
    return this;
  }

  @Override
  public Integer call() throws IOException {
    Diagnostics diagnostics = new Diagnostics(err, debug);
    Progress progress =
        new Progress(err, seams.stderrIsTerminal(), paths.size(), seams.progressIntervalNanos());
    OutputStream sink = new BufferedOutputStream(out, 1 << 16);
    int status = ExitStatus.OK;
    boolean headers = paths.size() > 1;
    for (Path path : paths) {
      if (headers) {
        sink.write(format.fileHeader(path.toString()).getBytes(StandardCharsets.US_ASCII));
      }
      int s = one(path, sink, diagnostics, progress);
      status = ExitStatus.worst(status, s);
      progress.step(path);
    }
    sink.flush();
    progress.clear();
    return status;
  }

  private int one(Path path, OutputStream sink, Diagnostics diagnostics, Progress progress)
      throws IOException {
    Path json = Files.isDirectory(path) ? path.resolve("machine.json") : path;
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(json);
    } catch (IOException e) {
      sink.flush();
      progress.clear();
      diagnostics.cause(
          json,
          "io-error",
          "cannot read: "
              + Diagnostics.reason(e)
              + (!json.equals(path) ? " (a machine folder holds machine.json)" : ""));
      return ExitStatus.USAGE_OR_IO;
    }
    Machine machine;
    try {
      machine = load(json, bytes);
    } catch (MachineException e) {
      sink.write(e.errorLine().getBytes(StandardCharsets.US_ASCII));
      sink.flush();
      progress.clear();
      printCause(json, e, diagnostics);
      return ExitStatus.BAD_INPUT;
    } catch (RuntimeException bug) {
      sink.flush();
      progress.clear();
      diagnostics.internal(json, bug);
      return ExitStatus.INTERNAL;
    }
    return render(json, machine, format, sink, seams, diagnostics);
  }

  /**
   * Boots {@code machine} and writes it in {@code format}; a failure inside the boot is a bug,
   * reported as an internal error and never as bad input.
   */
  static int render(
      Object name,
      Machine machine,
      MachineFormat format,
      OutputStream sink,
      Seams seams,
      Diagnostics diagnostics)
      throws IOException {
    String text;
    try {
      MachineState state = seams.booter().boot(machine);
      text = format.render(machine, state);
    } catch (RuntimeException bug) {
      sink.flush();
      diagnostics.internal(name, bug);
      return ExitStatus.INTERNAL;
    }
    sink.write(text.getBytes(StandardCharsets.UTF_8));
    return ExitStatus.OK;
  }

  /**
   * Reads the description and the firmware files beside it. A firmware file that cannot be read
   * makes the description bad, as a missing one does.
   */
  private static Machine load(Path json, byte[] bytes) throws MachineException {
    MachineDescription d = MachineJson.parse(bytes);
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (int i = 0; i < d.firmwareFiles().size(); i++) {
      String name = d.firmwareFiles().get(i);
      Path file = firmwarePath(json, name);
      try {
        files.put(name, Files.readAllBytes(file));
      } catch (IOException e) {
        throw MachineException.badMachine(
            "firmware.files[" + i + "]", "cannot read " + file + ": " + Diagnostics.reason(e));
      }
    }
    return Machine.of(d, files);
  }

  private static Path firmwarePath(Path json, String name) {
    Path dir = json.getParent();
    return dir == null ? Path.of(name) : dir.resolve(name);
  }

  /**
   * The cause of a bad machine on standard error: the description's key and problem, or for a
   * malformed firmware file that file and the parser's message with its byte offset.
   */
  static void printCause(Object json, MachineException e, Diagnostics diagnostics) {
    if (e.isBadMachine()) {
      diagnostics.cause(json, e.category(), String.valueOf(e.getMessage()));
      return;
    }
    String key = e.key();
    String prefix = "firmware.files: ";
    String name = key.startsWith(prefix) ? key.substring(prefix.length()) : key;
    Object file = json instanceof Path p ? firmwarePath(p, name) : json + ": " + name;
    Throwable cause = e.getCause();
    String message =
        cause != null && cause.getMessage() != null
            ? String.valueOf(cause.getMessage())
            : "not a firmware table this machine's firmware.kind reads (DTB for dt, IORT or VIOT"
                + " for acpi)";
    diagnostics.cause(file, e.category(), message);
  }
}
