package dev.iommufw.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.collect.ImmutableList;
import dev.iommufw.machine.BootEvent;
import dev.iommufw.machine.Machine;
import dev.iommufw.machine.MachineState.DeviceState;
import dev.iommufw.machine.MachineState.Result;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The harness and generators are not vacuous: they see differences, and machines vary. */
class HarnessSanityTest {
  @Test
  void anEarlyTimeoutIsADifference() throws Exception {
    Path folder =
        ConfluenceProperties.machines().stream()
            .filter(p -> p.getFileName().toString().equals("linux-6.12-dt-smmuv3"))
            .findFirst()
            .orElseThrow();
    MachineHarness h = MachineHarness.of(Machine.load(folder.resolve("machine.json")));
    List<BootEvent> events = new ArrayList<>();
    events.add(new BootEvent.DeferredProbeTimeout());
    for (BootEvent e : h.machine().defaultBoot()) {
      if (e instanceof BootEvent.DmaConfigure) {
        events.add(e);
      }
    }
    for (BootEvent e : h.machine().defaultBoot()) {
      if (e instanceof BootEvent.RegisterInstance) {
        events.add(e);
      }
    }
    assertThat(h.problems(h.run(BootSchedule.sequential(events)))).isNotEmpty();
  }

  @Test
  void generatedMachinesCoverEveryResult() {
    RandomSource r = RandomSource.of(new SplittableRandom(1));
    EnumSet<Result> seen = EnumSet.noneOf(Result.class);
    boolean dt = false;
    boolean acpi = false;
    for (int i = 0; i < 300; i++) {
      MachineSpec spec = Generators.machineSpec(r);
      if (spec.acpi()) {
        acpi = true;
      } else {
        dt = true;
      }
      for (DeviceState d : MachineHarness.of(spec.machine()).reference().devices()) {
        seen.add(d.result());
      }
    }
    assertThat(seen).containsExactlyInAnyOrder(Result.values());
    assertThat(dt && acpi).isTrue();
  }

  @Test
  void schedulesKeepEveryEventAndEndWithTheTimeout() throws Exception {
    Machine m = Machine.load(ConfluenceProperties.machines().get(0).resolve("machine.json"));
    BootSchedule s =
        Generators.concurrentSchedule(RandomSource.of(new SplittableRandom(7)), m, 0, 3);
    assertThat(s.events()).containsExactlyInAnyOrderElementsOf(m.defaultBoot());
    assertThat(s.last()).containsExactly(new BootEvent.DeferredProbeTimeout());
    assertThat(ImmutableList.copyOf(s.threads())).hasSize(3);
  }
}
