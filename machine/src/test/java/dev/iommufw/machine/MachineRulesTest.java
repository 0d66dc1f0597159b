package dev.iommufw.machine;

import static dev.iommufw.machine.MachineJsonTest.folder;
import static dev.iommufw.machine.MachineJsonTest.mutated;
import static dev.iommufw.machine.MachineJsonTest.pci;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iommufw.machine.MachineState.DeviceState;
import dev.iommufw.machine.MachineState.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The hardware rules (machine.md §5), the device rules (§2), registration and deferral (§3, §4).
 */
class MachineRulesTest {
  static final String ACPI = "linux-6.12-acpi-smmuv3";
  static final String DT_VIOMMU = "linux-6.12-dt-viommu";

  static MachineState boot(String machine, Consumer<ObjectNode> edit) throws Exception {
    Map<String, byte[]> files = new HashMap<>();
    for (String f : new String[] {"IORT.bin", "virt.dtb"}) {
      Path p = folder(machine).resolve(f);
      if (Files.exists(p)) {
        files.put(f, Files.readAllBytes(p));
      }
    }
    return Machine.of(MachineJson.parse(mutated(machine, edit)), files).boot();
  }

  static DeviceState dev(MachineState s, String name) {
    return Objects.requireNonNull(s.device(name), name);
  }

  static ObjectNode smmuHardware(ObjectNode r) {
    return (ObjectNode) r.get("iommu_hardware").get("smmu3.0x0000000009050000");
  }

  @Test
  void streamIdsAtOrAboveTwoToTheSidBitsAreErange() throws Exception {
    MachineState s = boot(ACPI, r -> smmuHardware(r).put("sid_bits", 8));
    assertThat(dev(s, "0000:00:01.0").result()).isEqualTo(Result.OK);
    DeviceState e1000 = dev(s, "0000:01:00.0");
    assertThat(e1000.result()).isEqualTo(Result.ERROR);
    assertThat(e1000.errno()).isEqualTo("ERANGE");
    assertThat(e1000.ids().asList()).containsExactly(0x100);
    assertThat(e1000.group()).isNull();
  }

  @Test
  void aStreamOwnedByAnotherDeviceIsEinvalFirstBindWins() throws Exception {
    // A conventional function at 03:00.0 has RID 0x300: the bridge alias 03:01.0 already owns.
    MachineState s =
        boot(
            ACPI,
            r -> {
              ObjectNode extra = r.withArray("pci").addObject();
              extra.setAll(pci(r, 8).deepCopy());
              extra.put("bdf", "0000:03:00.0");
            });
    assertThat(dev(s, "0000:03:01.0").result()).isEqualTo(Result.OK);
    DeviceState second = dev(s, "0000:03:00.0");
    assertThat(second.result()).isEqualTo(Result.ERROR);
    assertThat(second.errno()).isEqualTo("EINVAL");
    assertThat(second.ids().asList()).containsExactly(0x300, 0x300);
  }

  @Test
  void theAliasABridgeClaimedFirstIsEinval() throws Exception {
    // A conventional bridge (no quirk) forwards DMA with its own RID, which it owns itself.
    MachineState s = boot(ACPI, r -> pci(r, 7).put("type", "pci-bridge").put("pcie", false));
    assertThat(dev(s, "0000:02:00.0").result()).isEqualTo(Result.OK);
    DeviceState nic = dev(s, "0000:03:01.0");
    assertThat(nic.errno()).isEqualTo("EINVAL");
    assertThat(nic.ids().asList()).containsExactly(0x308, 0x200);
  }

  @Test
  void thePcieBridgeAliasQuirkAndDuplicatesInOneDevice() throws Exception {
    // An ASMedia bridge below a root port is flagged: it aliases secondary << 8, not its RID.
    // A quirk devfn naming the function itself repeats its RID: both are accepted.
    MachineState s =
        boot(
            ACPI,
            r -> {
              pci(r, 7).put("type", "pci-bridge").put("pcie", false).put("id", "1b21:1080");
              pci(r, 8).putArray("dma_alias_devfns").add("0x8");
            });
    DeviceState nic = dev(s, "0000:03:01.0");
    assertThat(nic.result()).isEqualTo(Result.OK);
    assertThat(nic.ids().asList()).containsExactly(0x308, 0x308, 0x300);
    assertThat(nic.group()).isEqualTo("0000:02:00.0");
  }

  @Test
  void unknownEndpointsAreEnoentAndAnInstanceWithoutAModelAcceptsAll() throws Exception {
    MachineState modelled = boot(DT_VIOMMU, r -> {});
    assertThat(dev(modelled, "0000:03:01.0").errno()).isEqualTo("ENOENT");
    MachineState free = boot(DT_VIOMMU, r -> r.putObject("iommu_hardware"));
    DeviceState nic = dev(free, "0000:03:01.0");
    assertThat(nic.result()).isEqualTo(Result.OK);
    assertThat(nic.iommu()).isEqualTo("0000:00:01.0");
    assertThat(nic.group()).isEqualTo("0000:00:05.0");
  }

  @Test
  void aVirtioIommuRegistersOnlyWhenItsCarrierBinds() throws Exception {
    MachineState s =
        boot(
            DT_VIOMMU,
            r -> {
              pci(r, 1).putNull("driver");
              r.withArray("bind_order").remove(7);
            });
    for (DeviceState d : s.devices()) {
      assertThat(d.result()).as(d.device()).isIn(Result.NONE, Result.UNPROBED);
    }
  }

  @Test
  void aMissingDriverEndsInTheDeferredProbeTimeout() throws Exception {
    MachineState s = boot(ACPI, r -> r.withArray("iommu_drivers").remove(0));
    assertThat(s.groups()).isEmpty();
    assertThat(dev(s, "0000:00:01.0").result()).isEqualTo(Result.NONE);
    MachineState dt = boot("linux-6.12-dt-smmuv3", r -> r.withArray("iommu_drivers").remove(0));
    assertThat(dev(dt, "0000:00:01.0").result()).isEqualTo(Result.NONE);
    assertThat(dev(dt, "0000:00:00.0").result()).isEqualTo(Result.UNPROBED);
  }

  @Test
  void bridgesAndFailedProbesAreDmaConfiguredWithoutADriver() throws Exception {
    MachineState s =
        boot(
            ACPI,
            r -> {
              pci(r, 7).putNull("driver");
              pci(r, 6).putNull("driver").put("failed_driver", "e1000e");
              pci(r, 1).putNull("driver");
              r.withArray("bind_order").remove(5);
            });
    DeviceState bridge = dev(s, "0000:02:00.0");
    assertThat(bridge.result()).isEqualTo(Result.OK);
    assertThat(bridge.driver()).isNull();
    DeviceState failed = dev(s, "0000:01:00.0");
    assertThat(failed.result()).isEqualTo(Result.OK);
    assertThat(failed.group()).isEqualTo("0000:01:00.0");
    assertThat(dev(s, "0000:00:01.0").result()).isEqualTo(Result.UNPROBED);
  }

  @Test
  void unlistedDevicesBindAfterTheListedOnes() throws Exception {
    // Without a bind order the bridge (02:00.0) binds before 03:01.0 in BDF order: same groups.
    MachineState s = boot(ACPI, r -> r.putArray("bind_order"));
    assertThat(dev(s, "0000:03:01.0").group()).isEqualTo("0000:02:00.0");
  }

  @Test
  void groupsNameTheirFirstMemberAndTheirInstance() throws Exception {
    MachineState s = boot("linux-6.12-dt-smmuv3-mf", r -> {});
    MachineState.GroupState g =
        s.groups().stream().filter(x -> x.name().equals("0000:00:07.0")).findFirst().orElseThrow();
    assertThat(g.members())
        .containsExactly("0000:00:07.0", "0000:00:07.1", "0000:02:00.0", "0000:03:00.0");
    assertThat(g.instance()).isEqualTo("smmu3.0x0000000009050000");
  }
}
