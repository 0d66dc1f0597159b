package dev.iommufw.report;

import dev.iommufw.machine.MachineDot;
import dev.iommufw.machine.MachineText;
import dev.iommufw.machine.Machine;
import dev.iommufw.machine.MachineDescription;
import dev.iommufw.machine.MachineException;
import dev.iommufw.machine.MachineJson;
import dev.iommufw.machine.MachineReport;
import dev.iommufw.machine.MachineState;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The report tool's machine mode: {@code --machine PATH/machine.json} and {@code --demo}, in
 * {@code jsonl}, {@code text} or {@code dot} form. A bad description or a malformed firmware file
 * prints its one error line and exits 1; an unknown format or demo exits 2.
 */
final class MachineCommand {
  /** The demo machine booted when none is named. */
  static final String DEFAULT_DEMO = "linux-6.12-acpi-smmuv3";

  private static final String DEMO_ROOT = "/dev/iommufw/report/machines/";

  private final PrintStream out;
  private final PrintStream err;

  MachineCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  int machine(Path path, String format) {
    if (!validFormat(format)) {
      return 2;
    }
    Machine m;
    try {
      m = Machine.load(path);
    } catch (MachineException e) {
      return fail(e);
    }
    return print(m, format);
  }

  int demo(String name, String format) {
    if (!validFormat(format)) {
      return 2;
    }
    if (!name.matches("[A-Za-z0-9.-]+")) {
      err.println("fwspec-report: no demo machine " + name);
      return 2;
    }
    byte[] json = resource(DEMO_ROOT + name + "/machine.json");
    if (json == null) {
      err.println("fwspec-report: no demo machine " + name);
      return 2;
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
      return fail(e);
    }
    return print(m, format);
  }

  private boolean validFormat(String format) {
    if (format.equals("jsonl") || format.equals("text") || format.equals("dot")) {
      return true;
    }
    err.println("fwspec-report: --format must be jsonl, text or dot, not " + format);
    return false;
  }

  private int print(Machine m, String format) {
    MachineState state;
    try {
      state = m.boot();
    } catch (RuntimeException e) {
      // A bug, not bad input: still one error line and no stack trace on the user's terminal.
      out.print(MachineException.badMachine("$", "boot failed").errorLine());
      out.flush();
      err.println("fwspec-report: internal error while booting: " + e);
      return 1;
    }
    String text = switch (format) {
      case "text" -> MachineText.render(m, state);
      case "dot" -> MachineDot.render(m, state);
      default -> MachineReport.jsonl(state);
    };
    out.write(text.getBytes(StandardCharsets.UTF_8), 0,
        text.getBytes(StandardCharsets.UTF_8).length);
    out.flush();
    return 0;
  }

  private int fail(MachineException e) {
    out.print(e.errorLine());
    out.flush();
    return 1;
  }

  private static byte @Nullable [] resource(String name) {
    try (InputStream in = MachineCommand.class.getResourceAsStream(name)) {
      return in == null ? null : in.readAllBytes();
    } catch (IOException e) {
      return null;
    }
  }
}
