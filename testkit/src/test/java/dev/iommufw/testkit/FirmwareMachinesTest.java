package dev.iommufw.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iommufw.machine.FirmwareMachines;
import dev.iommufw.machine.Machine;
import dev.iommufw.machine.MachineException;
import dev.iommufw.machine.MachineState.Result;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Machines derived from one generated firmware file boot, and bad bytes fail typed. */
class FirmwareMachinesTest {
  @Test
  void derivedMachinesBootAndAreConfluent() throws Exception {
    RandomSource r = RandomSource.of(new SplittableRandom(3));
    int ok = 0;
    for (int i = 0; i < 40; i++) {
      for (Machine m :
          new Machine[] {
            FirmwareMachines.fromDtb(Generators.deviceTree(r).bytes()),
            FirmwareMachines.fromAcpiTable(Generators.iort(r).bytes()),
            FirmwareMachines.fromAcpiTable(Generators.viot(r).bytes())
          }) {
        MachineHarness h = MachineHarness.of(m);
        ok += (int) h.reference().devices().stream().filter(d -> d.result() == Result.OK).count();
        BootSchedule s = Generators.concurrentSchedule(r, m, 2, 2);
        assertThat(h.problems(h.run(s))).as("%s", s).isEmpty();
      }
    }
    assertThat(ok).isPositive();
  }

  @Test
  void malformedFirmwareIsAMachineException() {
    assertThatThrownBy(() -> FirmwareMachines.fromDtb(new byte[] {1, 2, 3}))
        .isInstanceOf(MachineException.class);
    assertThatThrownBy(() -> FirmwareMachines.fromAcpiTable(new byte[] {'I', 'O', 'R', 'T'}))
        .isInstanceOf(MachineException.class);
  }
}
