package dev.iommufw.report;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Runs the plain command lines — {@code machine [--format F] PATH...} and {@code report
 * [--output-dir DIR] FILE...} — without building the picocli model, whose classes cannot be kept in
 * a class-data sharing archive (they are compiled for Java 5) and whose set-up reads every
 * annotation by reflection: for a one-machine run that is a large part of the start-up. Anything
 * else (help, {@code --debug}, an unknown or repeated option, an argument file {@code @FILE}, a
 * path that starts with {@code -}, a bad value) returns null and goes to picocli, which then parses
 * and reports exactly as it always does. Both paths call the same command objects.
 */
final class FastPath {
  private FastPath() {}

  /**
   * Runs {@code args} if it is a plain command line.
   *
   * @return the exit status, or null when picocli must parse the command line
   */
  static @Nullable Integer run(String[] args, PrintStream out, PrintStream err, Seams seams) {
    if (args.length < 2 || !(args[0].equals("machine") || args[0].equals("report"))) {
      return null;
    }
    boolean machine = args[0].equals("machine");
    String option = machine ? "--format" : "--output-dir";
    @Nullable String value = null;
    List<Path> paths = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      String a = args[i];
      String v;
      if (a.equals(option) && i + 1 < args.length) {
        v = args[++i];
      } else if (a.startsWith(option + "=")) {
        v = a.substring(option.length() + 1);
      } else if (a.isEmpty() || a.startsWith("-") || a.startsWith("@")) {
        return null;
      } else {
        try {
          paths.add(Path.of(a));
        } catch (InvalidPathException e) {
          return null;
        }
        continue;
      }
      if (value != null || v.isEmpty() || v.startsWith("-") || v.startsWith("@")) {
        return null;
      }
      value = v;
    }
    if (paths.isEmpty()) {
      return null;
    }
    try {
      if (machine) {
        MachineFormat format = MachineFormat.JSONL;
        if (value != null) {
          format = MachineFormat.lookUp(value);
          if (format == null) {
            return null;
          }
        }
        return new MachineCommand(out, err, seams).with(paths, format).call();
      }
      @Nullable Path dir;
      try {
        dir = value == null ? null : Path.of(value);
      } catch (InvalidPathException e) {
        return null;
      }
      return new ReportCommand(out, err, seams).with(paths, dir).call();
    } catch (IOException | RuntimeException e) {
      // As picocli's execution-exception handler in FwspecReportTool does.
      new Diagnostics(err, false).internal(args[0], e);
      return ExitStatus.INTERNAL;
    }
  }
}
