package dev.iommufw.drivers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iommufw.core.BusKind;
import dev.iommufw.core.Device;
import dev.iommufw.core.Errno;
import dev.iommufw.core.FwNode;
import dev.iommufw.core.IommuCore;
import dev.iommufw.core.IommuFwspec;
import dev.iommufw.core.IommuInstance;
import dev.iommufw.core.ProbeResult;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The hardware rules of machine.md §5 at the driver level, and "a failed probe leaves nothing". */
class ReferenceDriversTest {
  private final IommuCore core = new IommuCore();
  private final FwNode smmuNode = FwNode.create("/smmuv3@9050000");
  private final FwNode viommuNode = FwNode.create("0000:00:01.0");
  private final ArmSmmuV3Driver smmu = new ArmSmmuV3Driver();
  private final VirtioIommuDriver viommu = new VirtioIommuDriver();

  private ProbeResult probe(String name, FwNode node, int... ids) throws Exception {
    Device dev = Device.builder(name, BusKind.PLATFORM).build();
    core.addDevice(dev);
    IommuFwspec fwspec = core.allocFwspec();
    core.fwspecAssignIommu(fwspec, dev, node);
    fwspec.appendIds(ids);
    return core.probeDevice(dev, fwspec);
  }

  private static Errno errno(ProbeResult r) {
    return r instanceof ProbeResult.Failed f ? f.error() : Errno.ENODEV;
  }

  @Test
  void smmuV3StreamIdsBeyondTheSidBitsAreErangeAndLeaveNothingBehind() throws Exception {
    IommuInstance i = smmu.createInstance("smmu3.0x0000000009050000", smmuNode, 8);
    core.registerInstance(i);
    ProbeResult r = probe("a", smmuNode, 0x10, 0x100);
    assertThat(errno(r)).isEqualTo(Errno.ERANGE);
    assertThat(((ProbeResult.Failed) r).ids().asList()).containsExactly(0x10, 0x100);
    // 0x10 was not kept by the failed device.
    assertThat(probe("b", smmuNode, 0x10)).isInstanceOf(ProbeResult.Bound.class);
    assertThat(probe("c", smmuNode, 0xff)).isInstanceOf(ProbeResult.Bound.class);
  }

  @Test
  void smmuV3SecondOwnerIsEinvalAndDuplicatesInOneDeviceAreFine() throws Exception {
    core.registerInstance(smmu.createInstance("smmu3.0x0000000009050000", smmuNode, 16));
    assertThat(probe("bridge", smmuNode, 0x200)).isInstanceOf(ProbeResult.Bound.class);
    assertThat(errno(probe("behind", smmuNode, 0x308, 0x200))).isEqualTo(Errno.EINVAL);
    assertThat(probe("twice", smmuNode, 0x300, 0x300)).isInstanceOf(ProbeResult.Bound.class);
    assertThat(probe("behind-again", smmuNode, 0x308)).isInstanceOf(ProbeResult.Bound.class);
  }

  @Test
  void aPermissiveSmmuV3AcceptsEveryFwspec() throws Exception {
    core.registerInstance(smmu.createPermissiveInstance("smmu3.0x0000000009050000", smmuNode));
    assertThat(probe("a", smmuNode, 0x200, 0xffffffff)).isInstanceOf(ProbeResult.Bound.class);
    assertThat(probe("b", smmuNode, 0x200)).isInstanceOf(ProbeResult.Bound.class);
  }

  @Test
  void virtioIommuUnknownEndpointsAreEnoent() throws Exception {
    Set<Integer> known = Set.of(0x10, 0x300);
    core.registerInstance(viommu.createInstance("0000:00:01.0", viommuNode, known::contains));
    assertThat(probe("a", viommuNode, 0x10)).isInstanceOf(ProbeResult.Bound.class);
    assertThat(errno(probe("b", viommuNode, 0x308, 0x300))).isEqualTo(Errno.ENOENT);
    Device probed = core.devices().get(1);
    assertThat(viommu.probed(probed)).isTrue();
    assertThat(probed.isIommuMapped()).isFalse();
  }
}
