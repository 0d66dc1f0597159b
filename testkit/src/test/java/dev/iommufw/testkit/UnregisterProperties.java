package dev.iommufw.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;

import dev.iommufw.core.testing.Tries;
import dev.iommufw.machine.Machine;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Unregistering an IOMMU while devices probe or are bound (on real threads) never leaves a device
 * pointing at a gone instance, leaks no fwspec, and leaves nothing waiting after the boot ends.
 */
class UnregisterProperties {
  static java.util.List<Path> machines() throws Exception {
    return ConfluenceProperties.machines();
  }

  @ParameterizedTest
  @MethodSource("machines")
  void corpusMachines(Path folder) throws Exception {
    MachineHarness h = MachineHarness.of(Machine.load(folder.resolve("machine.json")));
    qt().withExamples(Tries.scaled(60))
        .withShrinkCycles(50)
        .forAll(TestkitGens.of(r -> Generators.unregisterSchedule(r, h.machine(), 3)))
        .checkAssert(s -> assertThat(h.run(s).violations()).as("%s", s).isEmpty());
  }

  @Test
  void generatedMachines() {
    qt().withExamples(Tries.scaled(100))
        .withShrinkCycles(50)
        .forAll(
            TestkitGens.of(
                r -> {
                  MachineSpec spec = Generators.machineSpec(r);
                  return java.util.Map.entry(
                      spec, Generators.unregisterSchedule(r, spec.machine(), 2));
                }))
        .checkAssert(
            e -> {
              MachineHarness h = MachineHarness.of(e.getKey().machine());
              assertThat(h.run(e.getValue()).violations())
                  .as("%s\n%s", e.getKey().machineJson(), e.getValue())
                  .isEmpty();
            });
  }
}
