package dev.iommufw.report;

import dev.iommufw.machine.Machine;
import dev.iommufw.machine.MachineDot;
import dev.iommufw.machine.MachineReport;
import dev.iommufw.machine.MachineState;
import dev.iommufw.machine.MachineText;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** The output forms of a machine: its report as JSON lines, its PCI tree as text, or a graph. */
enum MachineFormat {
  /** One JSON line per device. */
  JSONL,
  /** The PCI tree as {@code lspci -tv} draws it, annotated. */
  TEXT,
  /** A Graphviz graph. */
  DOT;

  /** The name on the command line. */
  String cliName() {
    return name().toLowerCase(Locale.ROOT);
  }

  String render(Machine machine, MachineState state) {
    return switch (this) {
      case JSONL -> MachineReport.jsonl(state);
      case TEXT -> MachineText.render(machine, state);
      case DOT -> MachineDot.render(machine, state);
    };
  }

  /**
   * The line that names the input before its output when one run prints several, in this form's own
   * syntax: a JSON object, a text comment or a Graphviz comment.
   */
  String fileHeader(String file) {
    return switch (this) {
      case JSONL -> FileHeader.json(file);
      case TEXT -> "# file: " + FileHeader.ascii(file) + "\n";
      case DOT -> "// file: " + FileHeader.ascii(file) + "\n";
    };
  }

  /** Reads {@code jsonl}, {@code text} or {@code dot}. */
  static final class Converter implements ITypeConverter<MachineFormat> {
    @Override
    public MachineFormat convert(String value) {
      return parse(value);
    }
  }

  static MachineFormat parse(String value) {
    MachineFormat f = lookUp(value);
    if (f == null) {
      throw new TypeConversionException("expected jsonl, text or dot, not '" + value + "'");
    }
    return f;
  }

  /** The format named {@code value} on the command line, or null. */
  static @Nullable MachineFormat lookUp(String value) {
    for (MachineFormat f : values()) {
      if (f.cliName().equals(value)) {
        return f;
      }
    }
    return null;
  }
}
