package dev.iommufw.of;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.primitives.ImmutableIntArray;
import dev.iommufw.core.BusKind;
import dev.iommufw.core.DeferralPolicy;
import dev.iommufw.core.Device;
import dev.iommufw.core.DmaConfigureResult;
import dev.iommufw.core.Errno;
import dev.iommufw.core.FwNode;
import dev.iommufw.core.FwspecState;
import dev.iommufw.core.IommuCore;
import dev.iommufw.core.IommuException;
import dev.iommufw.core.IommuFwspec;
import dev.iommufw.core.pci.Bdf;
import dev.iommufw.core.pci.PciFunction;
import dev.iommufw.core.testing.StandInDriver;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The redesigned {@code of_iommu_configure()}: each binding rule, end to end through the core. */
class OfIommuConfigureTest {
  private IommuCore core;
  private StandInDriver smmu;
  private StandInDriver other;

  @BeforeEach
  void setUp() {
    core = new IommuCore();
    smmu = StandInDriver.create("smmu");
    other = StandInDriver.create("other");
    smmu.rejectEmptySpecifier = Errno.EINVAL; // one cell is one ID: a driver needs its cell
    other.rejectEmptySpecifier = Errno.EINVAL;
  }

  /** Root with two SMMUs (phandles 1, 2), a third of another driver (3), a disabled one (4). */
  private static FdtBuilder baseTree() {
    FdtBuilder b = new FdtBuilder();
    FdtBuilder.Node root = b.root();
    root.addChild("smmu@1000")
        .strings("compatible", "arm,smmu-v3")
        .cells("#iommu-cells", 1)
        .phandle(1);
    root.addChild("smmu@2000")
        .strings("compatible", "arm,smmu-v3")
        .cells("#iommu-cells", 1)
        .phandle(2);
    root.addChild("iommu@3000")
        .strings("compatible", "vendor,other")
        .cells("#iommu-cells", 1)
        .phandle(3);
    root.addChild("smmu@4000")
        .strings("compatible", "arm,smmu-v3")
        .cells("#iommu-cells", 1)
        .strings("status", "disabled")
        .phandle(4);
    return b;
  }

  private OfIommu glue(FdtBuilder b) throws FdtFormatException {
    return OfIommu.of(Fdt.parse(b.build()));
  }

  private void registerAll(OfIommu of) throws IommuException {
    core.registerInstance(smmu.newInstance(of.fwNode(Trees.at(of.fdt(), "/smmu@1000"))));
    core.registerInstance(smmu.newInstance(of.fwNode(Trees.at(of.fdt(), "/smmu@2000"))));
    core.registerInstance(other.newInstance(of.fwNode(Trees.at(of.fdt(), "/iommu@3000"))));
  }

  @com.google.errorprone.annotations.CanIgnoreReturnValue
  private DmaConfigureResult configurePlatform(OfIommu of, String path) {
    Device dev =
        of.platformDevices().stream().filter(d -> d.name().equals(path)).findFirst().orElseThrow();
    core.addDevice(dev);
    return core.dmaConfigure(dev);
  }

  private static ImmutableIntArray ids(DmaConfigureResult r) {
    assertThat(r).isInstanceOf(DmaConfigureResult.Configured.class);
    return ((DmaConfigureResult.Configured) r).binding().ids();
  }

  @Test
  void iommusEntriesOfOneDriverConcatenateIdsOnTheFirstInstance() throws Exception {
    FdtBuilder b = baseTree();
    b.root()
        .addChild("dev@1")
        .strings("compatible", "x")
        .cells("iommus", 1, 0x10, 2, 0x20, 1, 0x10);
    OfIommu of = glue(b);
    registerAll(of);
    DmaConfigureResult r = configurePlatform(of, "/dev@1");
    assertThat(ids(r).asList()).containsExactly(0x10, 0x20, 0x10);
    assertThat(((DmaConfigureResult.Configured) r).binding().instance().fwNode())
        .isSameAs(of.fwNode(Trees.at(of.fdt(), "/smmu@1000")));
    assertThat(core.fwspecsAllocated() - core.fwspecsFreed()).isEqualTo(1);
  }

  @Test
  void twoDifferentDriversIsEinvalAndLeavesNothing() throws Exception {
    FdtBuilder b = baseTree();
    b.root().addChild("dev@1").strings("compatible", "x").cells("iommus", 1, 0x10, 3, 0x20);
    OfIommu of = glue(b);
    registerAll(of);
    DmaConfigureResult r = configurePlatform(of, "/dev@1");
    assertThat(r.errno()).isEqualTo(Errno.EINVAL);
    assertThat(core.fwspecsAllocated()).isEqualTo(core.fwspecsFreed());
  }

  @Test
  void unregisteredFirstIommuDefersAndRegistrationRetries() throws Exception {
    FdtBuilder b = baseTree();
    b.root().addChild("dev@1").strings("compatible", "x").cells("iommus", 1, 0x10);
    OfIommu of = glue(b);
    DmaConfigureResult r = configurePlatform(of, "/dev@1");
    assertThat(r).isInstanceOf(DmaConfigureResult.Deferred.class);
    assertThat(core.waitingDevices()).hasSize(1);
    assertThat(core.fwspecsAllocated()).isEqualTo(core.fwspecsFreed());
    registerAll(of);
    Device dev = core.devices().get(0);
    assertThat(dev.iommuBinding()).isPresent();
    assertThat(core.waitingDevices()).isEmpty();
  }

  @Test
  void unregisteredSecondInstanceDefersInsteadOfEinval() throws Exception {
    FdtBuilder b = baseTree();
    b.root().addChild("dev@1").strings("compatible", "x").cells("iommus", 1, 0x10, 2, 0x20);
    OfIommu of = glue(b);
    core.registerInstance(smmu.newInstance(of.fwNode(Trees.at(of.fdt(), "/smmu@1000"))));
    DmaConfigureResult r = configurePlatform(of, "/dev@1");
    assertThat(r).isInstanceOf(DmaConfigureResult.Deferred.class);
    assertThat(((DmaConfigureResult.Deferred) r).waitingFor())
        .isSameAs(of.fwNode(Trees.at(of.fdt(), "/smmu@2000")));
  }

  @Test
  void deferralTimeoutEndsTheWaitWithoutIommu() throws Exception {
    FdtBuilder b = baseTree();
    b.root().addChild("dev@1").strings("compatible", "x").cells("iommus", 1, 0x10);
    OfIommu of = glue(b);
    configurePlatform(of, "/dev@1");
    core.setDeferralPolicy(DeferralPolicy.TIMEOUT_EXPIRED);
    assertThat(core.waitingDevices()).isEmpty();
    Device dev = core.devices().get(0);
    assertThat(core.dmaConfigure(dev).errno()).isEqualTo(Errno.ETIMEDOUT);
    assertThat(dev.iommuBinding()).isEmpty();
  }

  @Test
  void disabledIommuGivesNoIommuNeverDeferral() throws Exception {
    FdtBuilder b = baseTree();
    b.root().addChild("a@1").strings("compatible", "x").cells("iommus", 4, 0x10, 1, 0x11);
    b.root().addChild("b@2").strings("compatible", "x").cells("iommus", 1, 0x10, 4, 0x11);
    OfIommu of = glue(b);
    assertThat(configurePlatform(of, "/a@1")).isInstanceOf(DmaConfigureResult.NoIommu.class);
    registerAll(of);
    assertThat(configurePlatform(of, "/b@2")).isInstanceOf(DmaConfigureResult.NoIommu.class);
    assertThat(core.fwspecsAllocated()).isEqualTo(core.fwspecsFreed());
  }

  @Test
  void disabledClientIsNotPopulated() throws Exception {
    FdtBuilder b = baseTree();
    b.root()
        .addChild("dev@1")
        .strings("compatible", "x")
        .strings("status", "disabled")
        .cells("iommus", 1, 0x10);
    OfIommu of = glue(b);
    assertThat(of.platformDevices()).extracting(Device::name).doesNotContain("/dev@1");
  }

  @Test
  void noIommusAndMalformedFirstEntryAreNoIommu() throws Exception {
    FdtBuilder b = baseTree();
    b.root().addChild("plain@1").strings("compatible", "x");
    b.root().addChild("dangling@2").strings("compatible", "x").cells("iommus", 99, 0x10);
    b.root().addChild("map-only@3").strings("compatible", "x").cells("iommu-map", 0, 1, 0, 16);
    OfIommu of = glue(b);
    registerAll(of);
    assertThat(configurePlatform(of, "/plain@1").errno()).isEqualTo(Errno.ENODEV);
    assertThat(configurePlatform(of, "/dangling@2").errno()).isEqualTo(Errno.ENODEV);
    assertThat(configurePlatform(of, "/map-only@3").errno()).isEqualTo(Errno.ENODEV);
  }

  @Test
  void malformedTailEndsTheListSilently() throws Exception {
    FdtBuilder b = baseTree();
    b.root().addChild("dev@1").strings("compatible", "x").cells("iommus", 1, 0x10, 99, 0x20);
    OfIommu of = glue(b);
    registerAll(of);
    assertThat(ids(configurePlatform(of, "/dev@1")).asList()).containsExactly(0x10);
  }

  @Test
  void zeroCellSpecifierIsADriverError() throws Exception {
    FdtBuilder b = new FdtBuilder();
    b.root()
        .addChild("smmu@1000")
        .strings("compatible", "arm,smmu-v3")
        .cells("#iommu-cells", 0)
        .phandle(1);
    b.root().addChild("dev@1").strings("compatible", "x").cells("iommus", 1);
    OfIommu of = glue(b);
    core.registerInstance(smmu.newInstance(of.fwNode(Trees.at(of.fdt(), "/smmu@1000"))));
    assertThat(configurePlatform(of, "/dev@1").errno()).isEqualTo(Errno.EINVAL);
  }

  /** A PCI host with an identity map over smmu@1000, a hole at RID 0x10 and a mask. */
  private OfIommu pciTree(String mapKind) throws FdtFormatException {
    FdtBuilder b = baseTree();
    FdtBuilder.Node host =
        b.root()
            .addChild("pcie@10000000")
            .strings("compatible", "pci-host-ecam-generic")
            .strings("device_type", "pci")
            .empty("ats-supported");
    switch (mapKind) {
      case "hole" -> host.cells("iommu-map", 0x0, 1, 0x0, 0x10, 0x11, 1, 0x11, 0xffef);
      case "mask" -> host.cells("iommu-map", 0x0, 1, 0x100, 0x100).cells("iommu-map-mask", 0xfff8);
      case "efault" -> host.cells("iommu-map", 0x8, 1, 0, 0x10).cells("iommu-map-mask", 0xf0);
      case "badlen" -> host.cells("iommu-map", 0x0, 1, 0x0);
      case "nonode" -> host.cells("iommu-map", 0x0, 77, 0x0, 0x100);
      case "none" -> {}
      default -> throw new IllegalArgumentException(mapKind);
    }
    return glue(b);
  }

  private DmaConfigureResult configurePci(OfIommu of, PciFunction f) {
    FdtNode host = of.pciHosts().get(0);
    Device dev = of.pciDevice(host, f);
    core.addDevice(dev);
    return core.dmaConfigure(dev);
  }

  @Test
  void pciFunctionMapsEachDmaAliasInOrder() throws Exception {
    OfIommu of = pciTree("hole");
    registerAll(of);
    PciFunction bridged =
        new PciFunction(Bdf.ofRequesterId(0, 0x308), ImmutableIntArray.of(0x308, 0x300));
    assertThat(ids(configurePci(of, bridged)).asList()).containsExactly(0x308, 0x300);
  }

  @Test
  void pciHoleInTheMapGivesNoIommuAndStopsTheAliasWalk() throws Exception {
    OfIommu of = pciTree("hole");
    registerAll(of);
    assertThat(configurePci(of, PciFunction.of(new Bdf(0, 0, 0x10))).errno())
        .isEqualTo(Errno.ENODEV);
    PciFunction holeSecond =
        new PciFunction(Bdf.ofRequesterId(0, 0x18), ImmutableIntArray.of(0x18, 0x10));
    assertThat(configurePci(of, holeSecond).errno()).isEqualTo(Errno.ENODEV);
    assertThat(core.fwspecsAllocated()).isEqualTo(core.fwspecsFreed());
  }

  @Test
  void pciMaskIsAppliedToTheInputOnly() throws Exception {
    OfIommu of = pciTree("mask");
    registerAll(of);
    assertThat(ids(configurePci(of, PciFunction.of(new Bdf(0, 0, 0x0f)))).asList())
        .containsExactly(0x108);
  }

  @Test
  void pciMapErrorsAreTyped() throws Exception {
    OfIommu efault = pciTree("efault");
    registerAll(efault);
    assertThat(configurePci(efault, PciFunction.of(new Bdf(0, 0, 0x10))).errno())
        .isEqualTo(Errno.EFAULT);
    setUp();
    OfIommu badlen = pciTree("badlen");
    registerAll(badlen);
    assertThat(configurePci(badlen, PciFunction.of(new Bdf(0, 0, 0x10))).errno())
        .isEqualTo(Errno.EINVAL);
    setUp();
    OfIommu nonode = pciTree("nonode");
    registerAll(nonode);
    assertThat(configurePci(nonode, PciFunction.of(new Bdf(0, 0, 0x10))).errno())
        .isEqualTo(Errno.ENODEV);
    setUp();
    OfIommu none = pciTree("none");
    registerAll(none);
    assertThat(configurePci(none, PciFunction.of(new Bdf(0, 0, 0x10))).errno())
        .isEqualTo(Errno.ENODEV);
  }

  @Test
  void atsSupportedSetsTheFlagOnlyWithThe611Behaviour() throws Exception {
    OfIommu of61 = pciTree("hole");
    registerAll(of61);
    DmaConfigureResult r61 = configurePci(of61, PciFunction.of(new Bdf(0, 0, 0x18)));
    assertThat(((DmaConfigureResult.Configured) r61).binding().flags()).isZero();

    setUp();
    OfIommu of611 = OfIommu.of(of61.fdt(), true);
    registerAll(of611);
    DmaConfigureResult r611 = configurePci(of611, PciFunction.of(new Bdf(0, 0, 0x18)));
    assertThat(((DmaConfigureResult.Configured) r611).binding().flags())
        .isEqualTo(IommuFwspec.FLAG_PCI_RC_ATS);
  }

  @Test
  void inputIdBusUsesIommuMapOfTheBusNode() throws Exception {
    FdtBuilder b = baseTree();
    b.root()
        .addChild("fsl-mc@80c000000")
        .strings("compatible", "fsl,qoriq-mc")
        .cells("iommu-map", 0x17, 2, 0x1017, 0x10);
    OfIommu of = glue(b);
    registerAll(of);
    FdtNode bus = Trees.at(of.fdt(), "/fsl-mc@80c000000");
    Device obj =
        Device.builder("dpni.0", BusKind.FSL_MC)
            .dmaConfigureStep(of.dmaConfigureStep(bus, 0x18))
            .build();
    core.addDevice(obj);
    assertThat(ids(core.dmaConfigure(obj)).asList()).containsExactly(0x1018);
  }

  @Test
  void alreadyProbedDeviceKeepsItsFwspecAndTheNewOneIsFreed() throws Exception {
    FdtBuilder b = baseTree();
    b.root().addChild("dev@1").strings("compatible", "x").cells("iommus", 1, 0x10);
    OfIommu of = glue(b);
    registerAll(of);
    configurePlatform(of, "/dev@1");
    Device dev = core.devices().get(0);
    long allocated = core.fwspecsAllocated();
    DmaConfigureResult again = core.dmaConfigure(dev);
    assertThat(ids(again).asList()).containsExactly(0x10);
    assertThat(core.fwspecsAllocated()).isEqualTo(allocated + 1);
    assertThat(core.fwspecsAllocated() - core.fwspecsFreed()).isEqualTo(1);
  }

  @Test
  void pciFunctionPicksUpItsChildNodeAsFirmwareNode() throws Exception {
    FdtBuilder b = new FdtBuilder();
    FdtBuilder.Node host = b.root().addChild("pcie@10000000").strings("device_type", "pci");
    host.addChild("virtio_iommu@2,0")
        .cells("reg", 0x1000, 0, 0, 0, 0)
        .cells("#iommu-cells", 1)
        .phandle(5);
    OfIommu of = glue(b);
    FdtNode hostNode = of.pciHosts().get(0);
    Device viommu = of.pciDevice(hostNode, PciFunction.of(new Bdf(0, 0, 0x10)));
    assertThat(viommu.fwNode())
        .isSameAs(of.fwNode(Trees.at(of.fdt(), "/pcie@10000000/virtio_iommu@2,0")));
    assertThat(viommu.name()).isEqualTo("0000:00:02.0");
    assertThat(of.fdtNode(FwNode.create("elsewhere"))).isNull();
    assertThat(FwspecState.values()).hasSize(3);
  }
}
