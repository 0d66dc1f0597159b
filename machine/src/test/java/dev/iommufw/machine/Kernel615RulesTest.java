package dev.iommufw.machine;

import static dev.iommufw.machine.MachineJsonTest.folder;
import static dev.iommufw.machine.MachineJsonTest.mutated;
import static dev.iommufw.machine.MachineJsonTest.pci;
import static dev.iommufw.machine.MachineRulesTest.boot;
import static dev.iommufw.machine.MachineRulesTest.dev;
import static org.assertj.core.api.Assertions.assertThat;

import dev.iommufw.core.ProbeFlow;
import dev.iommufw.machine.MachineState.DeviceState;
import dev.iommufw.machine.MachineState.Result;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The kernel version is an input: before 6.15 a device is configured when its driver binds; from
 * 6.15 on the probe path parses the firmware, registration probes every device in bus order, the
 * SMMUv3 answers ENODEV for a shared stream ID, and a failed probe aborts the registration.
 */
class Kernel615RulesTest {
  @Test
  void theKernelVersionPicksTheCoresProbeFlow() throws Exception {
    Machine old = Machine.load(folder("linux-6.12-dt-smmuv3").resolve("machine.json"));
    Machine current = Machine.load(folder("linux-6.18-dt-smmuv3").resolve("machine.json"));
    assertThat(old.newSystem().core().probeFlow()).isInstanceOf(ProbeFlow.OffDeviceHandover.class);
    assertThat(current.newSystem().core().probeFlow())
        .isInstanceOf(ProbeFlow.FirmwareInProbe.class);
  }

  @Test
  void from615OnADeviceWithoutDriverIsConfiguredToo() throws Exception {
    MachineState before = boot("linux-6.18-dt-smmuv3", r -> r.put("kernel", "6.14"));
    MachineState after = boot("linux-6.18-dt-smmuv3", r -> r.put("kernel", "6.15"));
    assertThat(dev(before, "0000:00:00.0").result()).isEqualTo(Result.UNPROBED);
    assertThat(dev(after, "0000:00:00.0").result()).isEqualTo(Result.OK);
    assertThat(after.devices()).noneMatch(d -> d.result() == Result.UNPROBED);
  }

  @Test
  void aSharedStreamIdIsEnodevFrom615AndEinvalBefore() throws Exception {
    // 03:02.0 shares the bridge alias 0x300 with 03:01.0; give it a driver so 6.14 configures it.
    MachineState before =
        boot(
            "linux-6.18-dt-smmuv3",
            r -> {
              r.put("kernel", "6.14");
              pci(r, 9).put("driver", "e1000");
            });
    MachineState after = boot("linux-6.18-dt-smmuv3", r -> {});
    DeviceState einval = dev(before, "0000:03:02.0");
    assertThat(einval.result()).isEqualTo(Result.ERROR);
    assertThat(einval.errno()).isEqualTo("EINVAL");
    DeviceState enodev = dev(after, "0000:03:02.0");
    assertThat(enodev.result()).isEqualTo(Result.ERROR);
    assertThat(enodev.errno()).isEqualTo("ENODEV");
    assertThat(enodev.ids().asList()).containsExactly(0x310, 0x300);
    // ENODEV does not abort the registration: the owner of 0x300 is bound.
    assertThat(dev(after, "0000:03:01.0").result()).isEqualTo(Result.OK);
  }

  @Test
  void aCulpritWithoutDriverKeepsItsErrorAndEveryOtherDeviceEndsWithoutIommu() throws Exception {
    // 01:00.0's stream ID 0x12000 is beyond 16 SID bits; with no driver, nothing re-probes it.
    MachineState s =
        boot(
            "linux-6.18-dt-smmuv3-custom-map",
            r -> {
              pci(r, 6).putNull("driver");
              com.fasterxml.jackson.databind.node.ArrayNode binds = r.withArray("bind_order");
              for (int i = binds.size() - 1; i >= 0; i--) {
                if (binds.get(i).asText().equals("0000:01:00.0")) {
                  binds.remove(i);
                }
              }
            });
    DeviceState culprit = dev(s, "0000:01:00.0");
    assertThat(culprit.result()).isEqualTo(Result.ERROR);
    assertThat(culprit.errno()).isEqualTo("ERANGE");
    assertThat(culprit.ids().asList()).containsExactly(0x12000);
    assertThat(s.devices())
        .filteredOn(d -> !d.device().equals("0000:01:00.0"))
        .allMatch(d -> d.result() == Result.NONE && d.ids().isEmpty() && d.group() == null);
    assertThat(s.groups()).isEmpty();
  }

  @Test
  void aCulpritWhoseDriverBindsEndsWithoutIommuAfterTheTimeout() throws Exception {
    MachineState s = boot("linux-6.18-dt-smmuv3-custom-map", r -> {});
    assertThat(s.devices()).allMatch(d -> d.result() == Result.NONE);
  }

  @Test
  void withoutTheCulpritTheInstanceRegistersAndTheRestIsUnchanged() throws Exception {
    MachineState s =
        boot(
            "linux-6.18-dt-smmuv3-custom-map",
            r ->
                ((com.fasterxml.jackson.databind.node.ObjectNode)
                        r.get("iommu_hardware").get("smmu3.0x0000000009050000"))
                    .put("sid_bits", 20));
    assertThat(dev(s, "0000:01:00.0").result()).isEqualTo(Result.OK);
    assertThat(dev(s, "/pl031@9010000").result()).isEqualTo(Result.OK);
  }

  @Test
  void busOrderIsPlatformThenPciDepthFirstPerBusThenAmba() throws Exception {
    Machine acpi = Machine.load(folder("linux-6.18-acpi-smmuv3").resolve("machine.json"));
    // Under ACPI QEMU's expander host bridge (bus 0x80) comes before bus 0.
    assertThat(acpi.busOrder())
        .containsExactly(
            "0000:80:00.0",
            "0000:81:00.0",
            "0000:00:00.0",
            "0000:00:01.0",
            "0000:00:02.0",
            "0000:00:03.0",
            "0000:00:04.0",
            "0000:00:05.0",
            "0000:01:00.0",
            "0000:02:00.0",
            "0000:03:01.0",
            "0000:03:02.0");
    Machine dt = Machine.load(folder("linux-6.18-dt-smmuv3-custom-map").resolve("machine.json"));
    List<String> order = dt.busOrder();
    // pl031 and pl061 are arm,primecell (AMBA): after PCI. virtio_mmio is a platform device.
    assertThat(order.get(0)).isEqualTo("/virtio_mmio@a000000");
    assertThat(order.subList(order.size() - 2, order.size()))
        .containsExactly("/pl031@9010000", "/pl061@9030000");
  }

  @Test
  void theDefaultBootAddsDevicesInBusOrderFrom615On() throws Exception {
    Machine m = Machine.load(folder("linux-6.18-acpi-smmuv3").resolve("machine.json"));
    assertThat(m.defaultBoot().subList(0, m.busOrder().size()))
        .containsExactlyElementsOf(
            m.busOrder().stream().map(d -> (BootEvent) new BootEvent.AddDevice(d)).toList());
  }

  @Test
  void aMachineJsonRoundTripKeepsTheKernel() throws Exception {
    MachineDescription d = MachineJson.parse(mutated("linux-7.3-dt-viommu", r -> {}));
    assertThat(MachineJson.parse(MachineJson.write(d)).kernelVersion())
        .isEqualTo(new KernelVersion(7, 3));
  }
}
