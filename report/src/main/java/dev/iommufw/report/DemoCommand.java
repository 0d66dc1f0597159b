package dev.iommufw.report;

import dev.iommufw.machine.Machine;
import dev.iommufw.machine.MachineDescription;
import dev.iommufw.machine.MachineException;
import dev.iommufw.machine.MachineJson;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code fwspec-report demo [NAME]}: boots a machine shipped inside the tool. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    header = "Boot a machine shipped with the tool and draw its PCI tree.",
    parameterListHeading = "%nParameters:%n",
    optionListHeading = "%nOptions:%n",
    description = {
      "Boots a QEMU machine shipped inside the tool (a real Debian Linux boot) and prints its"
          + " PCI tree, as lspci -tv draws it, annotated with each device's IOMMU instance, IDs"
          + " and group. With no arguments at all, fwspec-report runs this command."
    },
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {
      "0:the machine gave its report",
      "2:usage error (no such demo machine)",
      "3:internal error: a bug in the tool"
    })
final class DemoCommand implements Callable<Integer> {
  /** The demo machine booted when none is named. */
  static final String DEFAULT_DEMO = "linux-6.12-acpi-smmuv3";

  /** The machines shipped under {@link #DEMO_ROOT}. */
  static final List<String> DEMOS = List.of(DEFAULT_DEMO, "linux-6.12-dt-smmuv3-custom-map");

  private static final String DEMO_ROOT = "/dev/iommufw/report/machines/";

  @Parameters(
      paramLabel = "NAME",
      arity = "0..1",
      description = {"linux-6.12-acpi-smmuv3 (the default) or linux-6.12-dt-smmuv3-custom-map."})
  private String name = DEFAULT_DEMO;

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      converter = MachineFormat.Converter.class,
      description =
          "text (default): the annotated PCI tree; jsonl: one JSON line per device; dot: a"
              + " Graphviz graph.")
  private MachineFormat format = MachineFormat.TEXT;

  @Option(names = "--debug", description = "Print the stack trace of an internal error.")
  private boolean debug;

  private final PrintStream out;
  private final PrintStream err;
  private final Seams seams;

  DemoCommand(PrintStream out, PrintStream err, Seams seams) {
    this.out = out;
    this.err = err;
    this.seams = seams;
  }

  /** Sets what the deprecated 0.1 command line gave. */
  DemoCommand with(String demo, MachineFormat f) {
    this.name = demo;
    this.format = f;
    return this;
  }

  @Override
  public Integer call() throws IOException {
    Diagnostics diagnostics = new Diagnostics(err, debug);
    byte[] json = DEMOS.contains(name) ? resource(DEMO_ROOT + name + "/machine.json") : null;
    if (json == null) {
      err.println(
          Diagnostics.PREFIX
              + "no demo machine '"
              + name
              + "': the demos are "
              + String.join(", ", DEMOS));
      return ExitStatus.USAGE_OR_IO;
    }
    Machine m;
    try {
      MachineDescription d = MachineJson.parse(json);
      Map<String, byte[]> files = new HashMap<>();
      for (String file : d.firmwareFiles()) {
        byte[] bytes = resource(DEMO_ROOT + name + "/" + file);
        if (bytes != null) {
          files.put(file, bytes);
        }
      }
      m = Machine.of(d, files);
    } catch (MachineException e) {
      // A shipped machine that does not load is a bug in the build, not bad input.
      diagnostics.internal("demo " + name, e);
      return ExitStatus.INTERNAL;
    } catch (RuntimeException bug) {
      diagnostics.internal("demo " + name, bug);
      return ExitStatus.INTERNAL;
    }
    OutputStream sink = new BufferedOutputStream(out, 1 << 16);
    int status = MachineCommand.render("demo " + name, m, format, sink, seams, diagnostics);
    sink.flush();
    return status;
  }

  private static byte @Nullable [] resource(String path) throws IOException {
    try (InputStream in = DemoCommand.class.getResourceAsStream(path)) {
      return in == null ? null : in.readAllBytes();
    }
  }
}
