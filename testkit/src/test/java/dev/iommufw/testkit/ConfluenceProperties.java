package dev.iommufw.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;

import dev.iommufw.core.testing.Tries;
import dev.iommufw.machine.Machine;
import dev.iommufw.machine.MachineDescription;
import dev.iommufw.machine.MachineException;
import dev.iommufw.machine.MachineJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Confluence (kernel-model.md §4, invariant 7; issue 5): any permutation of a machine's boot
 * events, with deferred-probe retries mixed in, and random interleavings of them on real threads,
 * end in the reference boot's state, with every harness invariant holding. Over the corpus machines
 * (before and from Linux 6.15) and over generated ones, booted by both rules. Tries scale with
 * {@code -Diommufw.tries=N}.
 */
class ConfluenceProperties {
  static List<Path> machines() throws Exception {
    Path corpus = CorpusMachines.dir();
    try (Stream<Path> s = Files.list(corpus)) {
      return s.filter(p -> Files.isRegularFile(p.resolve("machine.json"))).sorted().toList();
    }
  }

  @ParameterizedTest
  @MethodSource("machines")
  void corpusMachinePermutationsReachTheReferenceState(Path folder) throws Exception {
    MachineHarness h = MachineHarness.of(Machine.load(folder.resolve("machine.json")));
    qt().withExamples(Tries.scaled(200))
        .withShrinkCycles(200)
        .forAll(TestkitGens.schedules(h.machine()))
        .checkAssert(s -> assertThat(h.problems(h.run(s))).as("%s", s).isEmpty());
  }

  @ParameterizedTest
  @MethodSource("machines")
  void corpusMachineThreadedBootsReachTheReferenceState(Path folder) throws Exception {
    MachineHarness h = MachineHarness.of(Machine.load(folder.resolve("machine.json")));
    qt().withExamples(Tries.scaled(60))
        .withShrinkCycles(50)
        .forAll(
            TestkitGens.concurrentSchedules(h.machine(), 2)
                .mix(TestkitGens.concurrentSchedules(h.machine(), 4)))
        .checkAssert(s -> assertThat(h.problems(h.run(s))).as("%s", s).isEmpty());
  }

  @Test
  void generatedMachinePermutationsReachTheReferenceState() {
    qt().withExamples(Tries.scaled(300))
        .withShrinkCycles(200)
        .forAll(
            TestkitGens.of(
                r -> {
                  MachineSpec spec = Generators.machineSpec(r);
                  return Map.entry(spec, Generators.schedule(r, spec.machine(), 3));
                }))
        .checkAssert(
            e -> {
              MachineHarness h = MachineHarness.of(e.getKey().machine());
              assertThat(h.problems(h.run(e.getValue())))
                  .as("%s\n%s", e.getKey().machineJson(), e.getValue())
                  .isEmpty();
            });
  }

  /** The generated machine booted by a 6.18 kernel's rules (firmware parse in the probe path). */
  static Machine on618(MachineSpec spec) {
    try {
      MachineDescription d =
          MachineJson.parse(spec.machineJson().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return Machine.of(
          new MachineDescription(
              d.name(),
              "6.18",
              d.firmwareKind(),
              d.firmwareFiles(),
              d.iommuDrivers(),
              d.iommuHardware(),
              d.pciHosts(),
              d.pci(),
              d.platform(),
              d.bindOrder()),
          spec.firmware());
    } catch (MachineException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void generatedMachinePermutationsReachTheReferenceStateFrom615On() {
    qt().withExamples(Tries.scaled(200))
        .withShrinkCycles(200)
        .forAll(
            TestkitGens.of(
                r -> {
                  MachineSpec spec = Generators.machineSpec(r);
                  Machine m = on618(spec);
                  return Map.entry(
                      spec, Generators.concurrentSchedule(r, m, 3, r.intBetween(1, 3)));
                }))
        .checkAssert(
            e -> {
              MachineHarness h = MachineHarness.of(on618(e.getKey()));
              assertThat(h.problems(h.run(e.getValue())))
                  .as("%s\n%s", e.getKey().machineJson(), e.getValue())
                  .isEmpty();
            });
  }

  @Test
  void generatedMachineThreadedBootsReachTheReferenceState() {
    qt().withExamples(Tries.scaled(100))
        .withShrinkCycles(50)
        .forAll(
            TestkitGens.of(
                r -> {
                  MachineSpec spec = Generators.machineSpec(r);
                  return Map.entry(
                      spec,
                      Generators.concurrentSchedule(r, spec.machine(), 3, r.intBetween(2, 4)));
                }))
        .checkAssert(
            e -> {
              MachineHarness h = MachineHarness.of(e.getKey().machine());
              assertThat(h.problems(h.run(e.getValue())))
                  .as("%s\n%s", e.getKey().machineJson(), e.getValue())
                  .isEmpty();
            });
  }
}
