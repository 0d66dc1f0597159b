package dev.iommufw.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;

import dev.iommufw.machine.Machine;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The downstream property test that README.md and the testkit guide page show, compiled and run:
 * the region between the markers ({@code DocSnippetsTest} checks both copies).
 */
class ReadmeTestkitExampleTest {
  @Test
  void anyOrderOfBootEventsBindsLikeTheReferenceBoot() {
    // spotless:off (shown verbatim in the docs)
    // region testkit
    qt().withExamples(200)
        .forAll(TestkitGens.of(r -> {
          Machine machine = Generators.machineSpec(r).machine();    // SMMUs, devices, a PCI host
          return Map.entry(machine, Generators.concurrentSchedule(r, machine, 3, 2)); // 2 threads
        }))
        .checkAssert(e -> {
          MachineHarness harness = MachineHarness.of(e.getKey()); // boots the reference order
          MachineHarness.Outcome run = harness.run(e.getValue()); // the events, on real threads
          assertThat(harness.problems(run)).as("%s", e.getValue()).isEmpty();
        });
    // endregion testkit
    // spotless:on
  }
}
