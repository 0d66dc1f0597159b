package dev.iommufw.kerneldiff;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The Java half of {@code kernel-diff}: {@code observe} (console log to machine description and
 * report), {@code diff} (kernel against library for one observed machine), {@code summarize} (every
 * topology of a run: stable or flaky, agreeing or differing) and {@code generate} (random
 * topologies from a seed).
 */
@Command(
    name = "kernel-diff",
    mixinStandardHelpOptions = true,
    subcommands = {
      KernelDiff.Observe.class,
      KernelDiff.Diff.class,
      KernelDiff.Summarize.class,
      KernelDiff.Generate.class
    },
    description = "Observe real Linux boots and compare them with iommufw's prediction.")
public final class KernelDiff implements Callable<Integer> {
  private KernelDiff() {}

  /**
   * Runs a subcommand.
   *
   * @param args the command line
   */
  public static void main(String[] args) {
    System.exit(new CommandLine(new KernelDiff()).execute(args));
  }

  @Override
  public Integer call() {
    CommandLine.usage(this, System.err);
    return 2;
  }

  @Command(
      name = "observe",
      description =
          "Console log of one boot -> machine.json, firmware "
              + "files and expected.jsonl (what the kernel decided).")
  static final class Observe implements Callable<Integer> {
    @Option(names = "--kernel", required = true, description = "kernel series, e.g. 6.18")
    String kernel = "";

    @Option(names = "--name", required = true, description = "the machine's name")
    String name = "";

    @Option(names = "--log", required = true, description = "the console log")
    Path log = Path.of(".");

    @Option(names = "--out", required = true, description = "the output directory")
    Path out = Path.of(".");

    @Override
    public Integer call() throws Exception {
      ConsoleLog c = ConsoleLog.parse(Files.readString(log, StandardCharsets.ISO_8859_1));
      Observer.write(Observer.observe(c, KernelVersion.series(kernel), name), out);
      return 0;
    }
  }

  @Command(
      name = "diff",
      description =
          "Compare an observed machine's expected.jsonl with the "
              + "library's prediction for its machine.json: one line per differing device.")
  static final class Diff implements Callable<Integer> {
    @Parameters(paramLabel = "DIR", description = "observed machine directories")
    List<Path> dirs = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
      int differ = 0;
      for (Path d : dirs) {
        List<String> lines = diffAgainstLibrary(d);
        for (String l : lines) {
          System.out.println(d.getFileName() + " " + l);
        }
        differ += lines.isEmpty() ? 0 : 1;
      }
      System.out.println(
          dirs.size() + " machines, " + (dirs.size() - differ) + " agree, " + differ + " differ");
      return differ == 0 ? 0 : 1;
    }
  }

  static ImmutableList<String> diffAgainstLibrary(Path dir)
      throws ObservationException, IOException {
    List<DeviceResult> kernel =
        DeviceResult.parseReport(
            Files.readString(dir.resolve("expected.jsonl"), StandardCharsets.UTF_8));
    String predicted = Library.predict(dir.resolve("machine.json"));
    Files.writeString(dir.resolve("predicted.jsonl"), predicted, StandardCharsets.UTF_8);
    return Comparison.diff("kernel", kernel, "library", DeviceResult.parseReport(predicted));
  }

  @Command(
      name = "summarize",
      description =
          "Summarise a run directory: per topology, stable "
              + "or flaky (two boots), agreeing with the library or not; then counts.")
  static final class Summarize implements Callable<Integer> {
    @Option(names = "--out", required = true, description = "the run directory")
    Path out = Path.of(".");

    @Option(names = "--compare", description = "each topology was booted twice: flag flaky ones")
    boolean compare;

    @Override
    public Integer call() throws Exception {
      RunSummary s = RunSummary.of(out, compare);
      String text = s.render();
      Files.writeString(out.resolve("summary.txt"), text, StandardCharsets.UTF_8);
      PrintStream o = System.out;
      o.print(text);
      return 0;
    }
  }

  @Command(
      name = "generate",
      description =
          "Random QEMU topologies from a seed, one directory "
              + "each (qemu.args, firmware, iommu, modules, fdt-edits, topology.txt).")
  static final class Generate implements Callable<Integer> {
    @Option(names = "--seed", required = true, description = "the seed")
    long seed;

    @Option(names = "--count", required = true, description = "how many")
    int count;

    @Option(names = "--firmware", defaultValue = "mixed", description = "dt, acpi or mixed")
    String firmware = "mixed";

    @Option(names = "--out", required = true, description = "the output directory")
    Path out = Path.of(".");

    @Override
    public Integer call() throws Exception {
      TopologyGenerator.Firmware fw =
          TopologyGenerator.Firmware.valueOf(firmware.toUpperCase(Locale.ROOT));
      List<Topology> ts = TopologyGenerator.generate(seed, count, fw);
      for (Topology t : ts) {
        t.writeTo(out.resolve(t.name()));
        System.out.println(out.resolve(t.name()));
      }
      return 0;
    }
  }

  /** Reads JSON for comparisons of machine descriptions (the name left out). */
  static JsonNode machineWithoutName(Path machineJson) throws IOException {
    JsonNode n = new ObjectMapper().readTree(machineJson.toFile());
    if (n instanceof ObjectNode o) {
      o.remove("name");
    }
    return n;
  }

  static List<Path> children(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(Files::isDirectory).sorted().collect(ImmutableList.toImmutableList());
    }
  }
}
