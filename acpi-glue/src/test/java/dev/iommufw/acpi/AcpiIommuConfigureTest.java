package dev.iommufw.acpi;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.collect.ImmutableList;
import com.google.common.primitives.ImmutableIntArray;
import dev.iommufw.acpi.IortBuilder.Mapping;
import dev.iommufw.core.BusKind;
import dev.iommufw.core.DeferralPolicy;
import dev.iommufw.core.Device;
import dev.iommufw.core.DmaConfigureResult;
import dev.iommufw.core.Errno;
import dev.iommufw.core.FwNode;
import dev.iommufw.core.IommuBinding;
import dev.iommufw.core.IommuCore;
import dev.iommufw.core.IommuException;
import dev.iommufw.core.IommuFwspec;
import dev.iommufw.core.pci.Bdf;
import dev.iommufw.core.pci.PciFunction;
import dev.iommufw.core.testing.StandInDriver;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The redesigned {@code acpi_iommu_configure_id()} ({@link AcpiIommu#configure}), end to end:
 * tables made with {@link IortBuilder} / {@link ViotBuilder}, devices added to an {@link IommuCore}
 * and configured through {@link IommuCore#dmaConfigure}, test drivers registered on {@link
 * AcpiIommu#iortFwNode} / {@link AcpiIommu#viotFwNode}. References: acpi-tables.md §1.7–§1.8,
 * §2.5–§2.7; kernel-model.md §2.23–§2.25.
 */
class AcpiIommuConfigureTest {
  // Node indexes of base(): every IORT in this class starts with these four nodes.
  private static final int ITS = 0;
  private static final int SMMU_A = 1;
  private static final int SMMU_B = 2;
  private static final int SMMU_V2 = 3;

  private IommuCore core;
  private StandInDriver v3;
  private StandInDriver v2;
  private StandInDriver virtio;

  @BeforeEach
  void setUp() {
    core = new IommuCore();
    v3 = StandInDriver.withoutOfXlate("arm-smmu-v3");
    v2 = StandInDriver.withoutOfXlate("arm-smmu");
    virtio = StandInDriver.withoutOfXlate("virtio-iommu");
  }

  /** Every fwspec still allocated is installed in a bound device: nothing leaked, nothing lost. */
  @AfterEach
  void nothingLeaks() {
    long bound = core.devices().stream().filter(Device::isIommuMapped).count();
    assertThat(core.fwspecsAllocated() - core.fwspecsFreed()).isEqualTo(bound);
  }

  /** Checks the current core for leaks, then continues the test on {@code next}. */
  private void replaceCore(IommuCore next) {
    nothingLeaks();
    core = next;
  }

  // ---------------------------------------------------------------------------------------------
  // Fixtures
  // ---------------------------------------------------------------------------------------------

  /** ITS group; SMMUv3 A and B and an SMMUv2, each SMMUv3 sending its MSIs to the ITS. */
  private static IortBuilder base() {
    IortBuilder b = new IortBuilder();
    long[] wired = {100, 101, 102, 103}; // all interrupts wired: no DeviceID special index
    b.addItsGroup(0, List.of(0L));
    b.addSmmuV3(4, 0x0905_0000L, 0, wired, 0, List.of(Mapping.to(0, 0xffff, 0, ITS)));
    b.addSmmuV3(4, 0x0906_0000L, 0, wired, 0, List.of(Mapping.to(0, 0xffff, 0, ITS)));
    b.addSmmu(3, 0x0907_0000L, 3, List.of());
    return b;
  }

  private static AcpiIommu glue(IortBuilder b) throws AcpiTableException {
    return AcpiIommu.of(Iort.parse(b.build()), null);
  }

  private static AcpiIommu glue(@Nullable IortBuilder b, ViotBuilder v) throws AcpiTableException {
    return AcpiIommu.of(b == null ? null : Iort.parse(b.build()), Viot.parse(v.build()));
  }

  private static IortNode iortNode(AcpiIommu acpi, int index) {
    return Objects.requireNonNull(acpi.iort()).nodes().get(index);
  }

  private static FwNode smmu(AcpiIommu acpi, int index) {
    return acpi.iortFwNode(iortNode(acpi, index));
  }

  private void register(AcpiIommu acpi, int index) throws IommuException {
    StandInDriver driver = iortNode(acpi, index).typeCode() == IortNode.SMMU_V3 ? v3 : v2;
    core.registerInstance(driver.newInstance(smmu(acpi, index)));
  }

  private void registerSmmus(AcpiIommu acpi) throws IommuException {
    register(acpi, SMMU_A);
    register(acpi, SMMU_B);
    register(acpi, SMMU_V2);
  }

  /** The VIOT's IOMMU nodes in table order. */
  private static List<ViotNode.Iommu> viotIommus(AcpiIommu acpi) {
    List<ViotNode.Iommu> out = new ArrayList<>();
    for (ViotNode n : Objects.requireNonNull(acpi.viot()).nodes()) {
      if (n instanceof ViotNode.Iommu i) {
        out.add(i);
      }
    }
    return out;
  }

  private void registerVirtio(AcpiIommu acpi) throws IommuException {
    for (ViotNode.Iommu i : viotIommus(acpi)) {
      core.registerInstance(virtio.newInstance(acpi.viotFwNode(i)));
    }
  }

  private Device addPci(AcpiIommu acpi, PciFunction f) {
    Device dev = acpi.pciDevice(f);
    core.addDevice(dev);
    return dev;
  }

  private DmaConfigureResult configurePci(AcpiIommu acpi, PciFunction f) {
    return core.dmaConfigure(addPci(acpi, f));
  }

  private DmaConfigureResult configurePci(AcpiIommu acpi, int segment, int rid) {
    return configurePci(acpi, PciFunction.of(new Bdf(segment, rid >> 8, rid & 0xff)));
  }

  private Device addNamed(
      AcpiIommu acpi, String acpiPath, @Nullable Long mmioBase, @Nullable Integer inputId) {
    Device dev =
        Device.builder(acpiPath, BusKind.PLATFORM)
            .dmaConfigureStep(acpi.dmaConfigureStep(mmioBase, inputId))
            .build();
    core.addDevice(dev);
    return dev;
  }

  private DmaConfigureResult configureNamed(AcpiIommu acpi, String acpiPath) {
    return core.dmaConfigure(addNamed(acpi, acpiPath, null, null));
  }

  private static IommuBinding binding(DmaConfigureResult r) {
    assertThat(r).isInstanceOf(DmaConfigureResult.Configured.class);
    return ((DmaConfigureResult.Configured) r).binding();
  }

  private static List<Integer> ids(DmaConfigureResult r) {
    return binding(r).ids().asList();
  }

  /** The IORT node of the instance a device is bound to. */
  private static IortNode boundSmmu(DmaConfigureResult r) {
    FwNode node = Objects.requireNonNull(binding(r).instance().fwNode());
    return Objects.requireNonNull(node.source(IortNode.class));
  }

  private static void assertNoIommu(DmaConfigureResult r) {
    assertThat(r).isInstanceOf(DmaConfigureResult.NoIommu.class);
  }

  private static void assertFailed(DmaConfigureResult r, Errno errno) {
    assertThat(r).isInstanceOf(DmaConfigureResult.Failed.class);
    assertThat(r.errno()).isEqualTo(errno);
  }

  // ---------------------------------------------------------------------------------------------
  // PCI through the IORT
  // ---------------------------------------------------------------------------------------------

  @Test
  void pciFunctionTranslatesThroughTheRootComplexOfItsSegment() throws Exception {
    IortBuilder b = base();
    b.addRootComplex(3, 0, 0, List.of(Mapping.to(0, 0xff, 0x10000, SMMU_A)));
    AcpiIommu acpi = glue(b);
    registerSmmus(acpi);
    DmaConfigureResult r = configurePci(acpi, 0, 0x10);
    assertThat(ids(r)).containsExactly(0x10010);
    assertThat(binding(r).instance().fwNode()).isSameAs(smmu(acpi, SMMU_A));
    assertThat(binding(r).flags()).isZero();
    assertThat(core.devices().get(0).isIommuMapped()).isTrue();
  }

  @Test
  void oneIdPerDmaAliasInAliasOrderWithDuplicatesKept() throws Exception {
    IortBuilder b = base();
    b.addRootComplex(
        3,
        0,
        0,
        List.of(Mapping.to(0x000, 0xff, 0x1000, SMMU_A), Mapping.to(0x100, 0xff, 0x1000, SMMU_A)));
    AcpiIommu acpi = glue(b);
    registerSmmus(acpi);
    // A function behind a PCIe-to-PCI bridge: its own RID, then the bridge's.
    PciFunction bridged =
        new PciFunction(Bdf.ofRequesterId(0, 0x0108), ImmutableIntArray.of(0x0108, 0x0100));
    assertThat(ids(configurePci(acpi, bridged))).containsExactly(0x1008, 0x1000);
    // Two aliases that translate to the same stream ID: both are kept, in order.
    PciFunction twice =
        new PciFunction(Bdf.ofRequesterId(0, 0x0110), ImmutableIntArray.of(0x0110, 0x0010));
    assertThat(ids(configurePci(acpi, twice))).containsExactly(0x1010, 0x1010);
  }

  @Test
  void aliasWalkStopsAtTheFirstAliasWithoutAnIommu() throws Exception {
    IortBuilder b = base();
    b.addRootComplex(
        3,
        0,
        0,
        List.of(Mapping.to(0x000, 0xff, 0x1000, SMMU_A), Mapping.to(0x100, 0xff, 0x100, ITS)));
    AcpiIommu acpi = glue(b);
    registerSmmus(acpi);
    PciFunction secondToIts =
        new PciFunction(Bdf.ofRequesterId(0, 0x0010), ImmutableIntArray.of(0x0010, 0x0100));
    assertNoIommu(configurePci(acpi, secondToIts));
    PciFunction firstToIts =
        new PciFunction(Bdf.ofRequesterId(0, 0x0100), ImmutableIntArray.of(0x0100, 0x0010));
    assertNoIommu(configurePci(acpi, firstToIts));
  }

  @Test
  void segmentMismatchIsNoIommu() throws Exception {
    IortBuilder b = base();
    b.addRootComplex(3, 0, 0, List.of(Mapping.to(0, 0xffff, 0, SMMU_A)));
    AcpiIommu acpi = glue(b);
    registerSmmus(acpi);
    assertNoIommu(configurePci(acpi, 1, 0x10));
    assertThat(ids(configurePci(acpi, 0, 0x10))).containsExactly(0x10);
  }

  @Test
  void firstRootComplexOfTheDevicesSegmentWins() throws Exception {
    IortBuilder b = base();
    b.addRootComplex(3, 1, 0, List.of(Mapping.to(0, 0xffff, 0x900, SMMU_B)));
    b.addRootComplex(3, 0, 0, List.of(Mapping.to(0, 0xffff, 0x100, SMMU_A)));
    b.addRootComplex(3, 0, 0, List.of(Mapping.to(0, 0xffff, 0x200, SMMU_B))); // shadowed
    AcpiIommu acpi = glue(b);
    registerSmmus(acpi);
    DmaConfigureResult seg0 = configurePci(acpi, 0, 0x08);
    assertThat(boundSmmu(seg0)).isSameAs(iortNode(acpi, SMMU_A));
    assertThat(ids(seg0)).containsExactly(0x108);
    DmaConfigureResult seg1 = configurePci(acpi, 1, 0x08);
    assertThat(boundSmmu(seg1)).isSameAs(iortNode(acpi, SMMU_B));
    assertThat(ids(seg1)).containsExactly(0x908);
  }

  @Test
  void ridRangesIncludeBothEnds() throws Exception {
    IortBuilder b = base();
    b.addRootComplex(
        3,
        0,
        0,
        List.of(
            Mapping.to(0x10, 0x0f, 0x500, SMMU_A), // 0x10..0x1f: the count field is "IDs − 1"
            Mapping.to(0x20, 0xdf, 0x20, ITS),
            Mapping.to(0x200, 0, 0x777, SMMU_A), // one ID
            // Firmware that wrote a count instead of count − 1: 0x310 is claimed by both; the
            // range starting there wins (acpi-tables.md §1.7.1 steps 3 and 5).
            Mapping.to(0x300, 0x10, 0x3000, SMMU_A),
            Mapping.to(0x310, 0x0f, 0x4000, SMMU_B)));
    AcpiIommu acpi = glue(b);
    registerSmmus(acpi);
    assertNoIommu(configurePci(acpi, 0, 0x0f));
    assertThat(ids(configurePci(acpi, 0, 0x10))).containsExactly(0x500);
    assertThat(ids(configurePci(acpi, 0, 0x1f))).containsExactly(0x50f);
    assertNoIommu(configurePci(acpi, 0, 0x20));
    assertThat(ids(configurePci(acpi, 0, 0x200))).containsExactly(0x777);
    assertNoIommu(configurePci(acpi, 0, 0x201));
    DmaConfigureResult last = configurePci(acpi, 0, 0x30f);
    assertThat(ids(last)).containsExactly(0x300f);
    assertThat(boundSmmu(last)).isSameAs(iortNode(acpi, SMMU_A));
    DmaConfigureResult overlap = configurePci(acpi, 0, 0x310);
    assertThat(ids(overlap)).containsExactly(0x4000);
    assertThat(boundSmmu(overlap)).isSameAs(iortNode(acpi, SMMU_B));
  }

  @Test
  void ridThatMapsOnlyToTheItsHasNoIommu() throws Exception {
    IortBuilder b = base();
    b.addRootComplex(
        3,
        0,
        0,
        List.of(Mapping.to(0x000, 0xff, 0x000, ITS), Mapping.to(0x100, 0xff, 0x100, SMMU_A)));
    AcpiIommu acpi = glue(b);
    registerSmmus(acpi);
    DmaConfigureResult r = configurePci(acpi, 0, 0x18);
    assertNoIommu(r);
    assertThat(core.devices().get(0).isIommuMapped()).isFalse();
    assertThat(ids(configurePci(acpi, 0, 0x118))).containsExactly(0x118);
  }

  @Test
  void atsAttributeBitZeroSetsTheRootComplexAtsFlag() throws Exception {
    IortBuilder b = base();
    b.addRootComplex(3, 0, 1, List.of(Mapping.to(0, 0xffff, 0, SMMU_A)));
    b.addRootComplex(3, 1, 0b110, List.of(Mapping.to(0, 0xffff, 0, SMMU_A))); // PRI, PASID only
    b.addRootComplex(3, 2, 0, List.of(Mapping.to(0, 0xffff, 0, SMMU_A)));
    b.addRootComplex(3, 3, 1, List.of(Mapping.to(0, 0xffff, 0, ITS)));
    AcpiIommu acpi = glue(b);
    registerSmmus(acpi);
    assertThat(binding(configurePci(acpi, 0, 0x10)).flags()).isEqualTo(IommuFwspec.FLAG_PCI_RC_ATS);
    assertThat(binding(configurePci(acpi, 1, 0x10)).flags()).isZero();
    assertThat(binding(configurePci(acpi, 2, 0x10)).flags()).isZero();
    // ATS on a root complex whose RIDs reach no SMMU: no IOMMU, and the flag goes with the
    // discarded fwspec.
    assertNoIommu(configurePci(acpi, 3, 0x10));
  }

  // ---------------------------------------------------------------------------------------------
  // Named components
  // ---------------------------------------------------------------------------------------------

  @Test
  void namedComponentIsMatchedByTheDevicesFullAcpiPath() throws Exception {
    IortBuilder b = base();
    b.addNamedComponent(2, "\\_SB_.DMA0", 0, List.of(Mapping.single(0x20, SMMU_A)));
    b.addNamedComponent(2, "\\_SB_.DMA1", 0, List.of(Mapping.single(0x21, SMMU_B)));
    AcpiIommu acpi = glue(b);
    registerSmmus(acpi);
    ImmutableList<Device> devices = acpi.namedComponentDevices();
    assertThat(devices).extracting(Device::name).containsExactly("\\_SB_.DMA0", "\\_SB_.DMA1");
    for (Device d : devices) {
      core.addDevice(d);
    }
    DmaConfigureResult r0 = core.dmaConfigure(devices.get(0));
    assertThat(ids(r0)).containsExactly(0x20);
    assertThat(boundSmmu(r0)).isSameAs(iortNode(acpi, SMMU_A));
    DmaConfigureResult r1 = core.dmaConfigure(devices.get(1));
    assertThat(ids(r1)).containsExactly(0x21);
    assertThat(boundSmmu(r1)).isSameAs(iortNode(acpi, SMMU_B));
    assertNoIommu(configureNamed(acpi, "\\_SB_.DMA2"));
  }

  @Test
  void firstNamedComponentWithTheNameWins() throws Exception {
    IortBuilder b = base();
    b.addNamedComponent(2, "\\_SB_.DUP0", 0, List.of(Mapping.single(0x20, SMMU_A)));
    b.addNamedComponent(2, "\\_SB_.DUP0", 0, List.of(Mapping.single(0x30, SMMU_B)));
    AcpiIommu acpi = glue(b);
    registerSmmus(acpi);
    assertThat(acpi.namedComponentDevices()).hasSize(1);
    DmaConfigureResult r = configureNamed(acpi, "\\_SB_.DUP0");
    assertThat(boundSmmu(r)).isSameAs(iortNode(acpi, SMMU_A));
    assertThat(ids(r)).containsExactly(0x20);
  }

  @Test
  void shortFormNamesNeverMatch() throws Exception {
    IortBuilder b = base();
    b.addNamedComponent(2, "\\_SB.GPU", 0, List.of(Mapping.single(0x30, SMMU_A)));
    b.addNamedComponent(2, "\\_SB_.NPU_", 0, List.of(Mapping.single(0x31, SMMU_A)));
    AcpiIommu acpi = glue(b);
    registerSmmus(acpi);
    // The table's short form against the device's full path, and the other way round.
    assertThat(Iort.matchesAfterNormalisation("\\_SB.GPU", "\\_SB_.GPU_")).isTrue();
    assertNoIommu(configureNamed(acpi, "\\_SB_.GPU_"));
    assertThat(Iort.matchesAfterNormalisation("\\_SB_.NPU_", "\\_SB.NPU")).isTrue();
    assertNoIommu(configureNamed(acpi, "\\_SB.NPU"));
    assertThat(ids(configureNamed(acpi, "\\_SB_.NPU_"))).containsExactly(0x31);
  }

  @Test
  void singleMappingsGivePlatformIdsInEntryOrder() throws Exception {
    IortBuilder b = base();
    b.addNamedComponent(2, "\\_SB_.ONE_", 0, List.of(Mapping.single(0x40, SMMU_A)));
    b.addNamedComponent(
        2, "\\_SB_.TWO_", 0, List.of(Mapping.single(0x51, SMMU_A), Mapping.single(0x50, SMMU_A)));
    AcpiIommu acpi = glue(b);
    registerSmmus(acpi);
    assertThat(ids(configureNamed(acpi, "\\_SB_.ONE_"))).containsExactly(0x40);
    DmaConfigureResult two = configureNamed(acpi, "\\_SB_.TWO_");
    assertThat(ids(two)).containsExactly(0x51, 0x50);
    assertThat(boundSmmu(two)).isSameAs(iortNode(acpi, SMMU_A));
  }

  @Test
  void platformIdLoopStopsAtTheFirstEntryNotLeadingToAnSmmu() throws Exception {
    IortBuilder b = base();
    b.addNamedComponent(
        2, "\\_SB_.ITS0", 0, List.of(Mapping.single(0x60, ITS), Mapping.single(0x61, SMMU_A)));
    b.addNamedComponent(
        2, "\\_SB_.ITS1", 0, List.of(Mapping.single(0x61, SMMU_A), Mapping.single(0x60, ITS)));
    b.addNamedComponent(
        2, "\\_SB_.RNG0", 0, List.of(Mapping.to(0, 0xff, 0, SMMU_A), Mapping.single(0x62, SMMU_A)));
    b.addNamedComponent(
        2,
        "\\_SB_.RNG1",
        0,
        List.of(
            Mapping.single(0x62, SMMU_A),
            Mapping.to(0, 0xff, 0, SMMU_A),
            Mapping.single(0x63, SMMU_A)));
    AcpiIommu acpi = glue(b);
    registerSmmus(acpi);
    assertNoIommu(configureNamed(acpi, "\\_SB_.ITS0")); // entry order matters
    assertThat(ids(configureNamed(acpi, "\\_SB_.ITS1"))).containsExactly(0x61);
    assertNoIommu(configureNamed(acpi, "\\_SB_.RNG0")); // a range entry gives no platform ID
    assertThat(ids(configureNamed(acpi, "\\_SB_.RNG1"))).containsExactly(0x62);
  }

  @Test
  void inputIdIsWalkedFromTheNamedComponent() throws Exception {
    IortBuilder b = base();
    b.addNamedComponent(2, "\\_SB_.MC__", 0, List.of(Mapping.to(0x100, 0xff, 0x8000, SMMU_A)));
    AcpiIommu acpi = glue(b);
    registerSmmus(acpi);
    Device dpni = addNamed(acpi, "\\_SB_.MC__", null, 0x117);
    assertThat(ids(core.dmaConfigure(dpni))).containsExactly(0x8017);
    assertThat(ids(acpi.configure(core, addNamed(acpi, "\\_SB_.MC__", null, 0x1ff), null, 0x1ff)))
        .containsExactly(0x80ff);
    assertNoIommu(core.dmaConfigure(addNamed(acpi, "\\_SB_.MC__", null, 0x200)));
    // Without an input ID the range entry gives no platform ID.
    assertNoIommu(core.dmaConfigure(addNamed(acpi, "\\_SB_.MC__", null, null)));
  }

  @Test
  void smmuV3AndSmmuV2AcrossOneDeviceIsEinvalAndLeavesNothing() throws Exception {
    IortBuilder b = base();
    b.addNamedComponent(
        2, "\\_SB_.MIX0", 0, List.of(Mapping.single(0x10, SMMU_A), Mapping.single(0x11, SMMU_V2)));
    b.addRootComplex(
        3,
        0,
        0,
        List.of(Mapping.to(0x000, 0xff, 0x000, SMMU_A), Mapping.to(0x100, 0xff, 0x100, SMMU_V2)));
    AcpiIommu acpi = glue(b);
    registerSmmus(acpi);
    DmaConfigureResult nc = configureNamed(acpi, "\\_SB_.MIX0");
    assertFailed(nc, Errno.EINVAL);
    assertThat(((DmaConfigureResult.Failed) nc).ids().asList()).containsExactly(0x10);
    PciFunction mixed =
        new PciFunction(Bdf.ofRequesterId(0, 0x0108), ImmutableIntArray.of(0x0108, 0x0008));
    assertFailed(configurePci(acpi, mixed), Errno.EINVAL);
    assertThat(core.devices()).noneMatch(Device::isIommuMapped);
    assertThat(core.waitingDevices()).isEmpty();
  }

  @Test
  void twoSmmusOfOneDriverPutAllIdsOnTheFirst() throws Exception {
    IortBuilder b = base();
    b.addNamedComponent(
        2, "\\_SB_.TWO_", 0, List.of(Mapping.single(0x10, SMMU_A), Mapping.single(0x11, SMMU_B)));
    b.addRootComplex(
        3,
        0,
        0,
        List.of(Mapping.to(0x000, 0xff, 0x000, SMMU_B), Mapping.to(0x100, 0xff, 0x100, SMMU_A)));
    AcpiIommu acpi = glue(b);
    registerSmmus(acpi);
    DmaConfigureResult nc = configureNamed(acpi, "\\_SB_.TWO_");
    assertThat(boundSmmu(nc)).isSameAs(iortNode(acpi, SMMU_A));
    assertThat(ids(nc)).containsExactly(0x10, 0x11);
    PciFunction both =
        new PciFunction(Bdf.ofRequesterId(0, 0x0108), ImmutableIntArray.of(0x0108, 0x0008));
    DmaConfigureResult pci = configurePci(acpi, both);
    assertThat(boundSmmu(pci)).isSameAs(iortNode(acpi, SMMU_A));
    assertThat(ids(pci)).containsExactly(0x108, 0x008);
  }

  // ---------------------------------------------------------------------------------------------
  // Deferral
  // ---------------------------------------------------------------------------------------------

  @Test
  void unregisteredSmmuDefersNamingItsNodeAndRegistrationRetries() throws Exception {
    IortBuilder b = base();
    b.addRootComplex(3, 0, 0, List.of(Mapping.to(0, 0xffff, 0x10000, SMMU_A)));
    AcpiIommu acpi = glue(b);
    Device dev = addPci(acpi, PciFunction.of(new Bdf(0, 0, 0x10)));
    DmaConfigureResult r = core.dmaConfigure(dev);
    assertThat(r).isInstanceOf(DmaConfigureResult.Deferred.class);
    assertThat(((DmaConfigureResult.Deferred) r).waitingFor()).isSameAs(smmu(acpi, SMMU_A));
    assertThat(core.waitingDevices()).containsExactly(dev);
    assertThat(dev.isIommuMapped()).isFalse();
    assertThat(core.fwspecsAllocated()).isEqualTo(core.fwspecsFreed());

    register(acpi, SMMU_B); // not the one it waits for
    assertThat(core.waitingDevices()).containsExactly(dev);
    register(acpi, SMMU_A);
    assertThat(core.waitingDevices()).isEmpty();
    IommuBinding bound = dev.iommuBinding().orElseThrow();
    assertThat(bound.instance().fwNode()).isSameAs(smmu(acpi, SMMU_A));
    assertThat(bound.ids().asList()).containsExactly(0x10010);
  }

  @Test
  void unregisteredSecondSmmuDefersNamingTheSecond() throws Exception {
    IortBuilder b = base();
    b.addNamedComponent(
        2, "\\_SB_.TWO_", 0, List.of(Mapping.single(0x10, SMMU_A), Mapping.single(0x11, SMMU_B)));
    AcpiIommu acpi = glue(b);
    register(acpi, SMMU_A);
    Device dev = addNamed(acpi, "\\_SB_.TWO_", null, null);
    DmaConfigureResult r = core.dmaConfigure(dev);
    assertThat(r).isInstanceOf(DmaConfigureResult.Deferred.class);
    assertThat(((DmaConfigureResult.Deferred) r).waitingFor()).isSameAs(smmu(acpi, SMMU_B));
    register(acpi, SMMU_B);
    IommuBinding bound = dev.iommuBinding().orElseThrow();
    assertThat(bound.instance().fwNode()).isSameAs(smmu(acpi, SMMU_A));
    assertThat(bound.ids().asList()).containsExactly(0x10, 0x11);
  }

  @Test
  void driverTypeNotEnabledGivesNoIommuInsteadOfDeferral() throws Exception {
    IortBuilder b = base();
    b.addNamedComponent(2, "\\_SB_.V3__", 0, List.of(Mapping.single(0x10, SMMU_A)));
    b.addNamedComponent(2, "\\_SB_.V2__", 0, List.of(Mapping.single(0x11, SMMU_V2)));
    Iort iort = Iort.parse(b.build());
    AcpiIommu noV3 =
        AcpiIommu.of(iort, null, EnumSet.of(AcpiIommuDriver.SMMU, AcpiIommuDriver.VIRTIO_IOMMU));
    assertNoIommu(configureNamed(noV3, "\\_SB_.V3__"));
    assertThat(configureNamed(noV3, "\\_SB_.V2__")).isInstanceOf(DmaConfigureResult.Deferred.class);
    AcpiIommu none = AcpiIommu.of(iort, null, EnumSet.noneOf(AcpiIommuDriver.class));
    assertNoIommu(configureNamed(none, "\\_SB_.V2__"));
    assertThat(core.waitingDevices()).extracting(Device::name).containsExactly("\\_SB_.V2__");
  }

  @Test
  void registeredInstanceOfADisabledDriverTypeStillBinds() throws Exception {
    // The rule only turns a would-be deferral into "no IOMMU"; a registered instance is used.
    IortBuilder b = base();
    b.addNamedComponent(2, "\\_SB_.V3__", 0, List.of(Mapping.single(0x10, SMMU_A)));
    AcpiIommu acpi = AcpiIommu.of(Iort.parse(b.build()), null, EnumSet.of(AcpiIommuDriver.SMMU));
    register(acpi, SMMU_A);
    assertThat(ids(configureNamed(acpi, "\\_SB_.V3__"))).containsExactly(0x10);
  }

  @Test
  void deferralTimeoutIsEtimedout() throws Exception {
    IortBuilder b = base();
    b.addRootComplex(3, 0, 0, List.of(Mapping.to(0, 0xffff, 0, SMMU_A)));
    AcpiIommu acpi = glue(b);
    Device dev = addPci(acpi, PciFunction.of(new Bdf(0, 0, 0x10)));
    assertThat(core.dmaConfigure(dev)).isInstanceOf(DmaConfigureResult.Deferred.class);
    core.setDeferralPolicy(DeferralPolicy.TIMEOUT_EXPIRED); // retries the waiting device
    assertThat(core.waitingDevices()).isEmpty();
    assertFailed(core.dmaConfigure(dev), Errno.ETIMEDOUT);
    assertFailed(configurePci(acpi, 0, 0x18), Errno.ETIMEDOUT);
    assertThat(dev.isIommuMapped()).isFalse();
  }

  @Test
  void deferralGivenUpAfterBootIsNoIommu() throws Exception {
    IortBuilder b = base();
    b.addRootComplex(3, 0, 0, List.of(Mapping.to(0, 0xffff, 0, SMMU_A)));
    AcpiIommu acpi = glue(b);
    core.setDeferralPolicy(DeferralPolicy.INITCALLS_DONE_NO_MODULES);
    assertNoIommu(configurePci(acpi, 0, 0x10));
    assertThat(core.waitingDevices()).isEmpty();
  }

  // ---------------------------------------------------------------------------------------------
  // RMR and PMCG
  // ---------------------------------------------------------------------------------------------

  /** What a configure result says, independent of node offsets: SMMU base, IDs, flags. */
  private static String summary(DmaConfigureResult r) {
    if (!(r instanceof DmaConfigureResult.Configured c)) {
      return r.getClass().getSimpleName();
    }
    IortNode.SmmuV3 smmu = (IortNode.SmmuV3) boundSmmu(r);
    return Long.toHexString(smmu.base()) + " " + c.binding().ids() + " " + c.binding().flags();
  }

  private List<String> configureAll(AcpiIommu acpi) throws IommuException {
    register(acpi, SMMU_A);
    register(acpi, SMMU_B);
    List<String> out = new ArrayList<>();
    for (int rid : new int[] {0x00, 0x10, 0x1f, 0x20, 0x100, 0x1ff}) {
      out.add(summary(configurePci(acpi, 0, rid)));
    }
    out.add(summary(configureNamed(acpi, "\\_SB_.DMA0")));
    out.add(summary(configureNamed(acpi, "\\_SB_.DMA1")));
    return out;
  }

  @com.google.errorprone.annotations.CanIgnoreReturnValue
  private static IortBuilder withClients(IortBuilder b) {
    b.addRootComplex(
        3,
        0,
        1,
        List.of(
            Mapping.to(0x00, 0x1f, 0x500, SMMU_A),
            Mapping.to(0x20, 0xdf, 0x20, ITS),
            Mapping.to(0x100, 0xff, 0x100, SMMU_B)));
    b.addNamedComponent(2, "\\_SB_.DMA0", 0, List.of(Mapping.single(0x40, SMMU_A)));
    b.addNamedComponent(
        2, "\\_SB_.DMA1", 0, List.of(Mapping.single(0x41, SMMU_B), Mapping.single(0x42, SMMU_B)));
    return b;
  }

  @Test
  void rmrAndPmcgNodesChangeNoFwspec() throws Exception {
    List<String> plain = configureAll(glue(withClients(base())));
    assertThat(plain).contains("NoIommu").anyMatch(s -> s.startsWith("9050000"));

    // Between the SMMUs and the clients (so every client node moves): RMRs whose stream
    // mappings cover the clients' IDs, and PMCGs monitoring both SMMUs, one with its overflow MSI
    // through the ITS. They describe reserved regions and counters, never fwspec IDs.
    IortBuilder b = base();
    List<IortNode.MemoryRange> ranges = List.of(new IortNode.MemoryRange(0x8000_0000L, 0x10000));
    b.addRmr(3, 0, ranges, List.of(Mapping.single(0x10, SMMU_A), Mapping.single(0x41, SMMU_B)));
    b.addRmr(3, 1, ranges, List.of(Mapping.to(0x500, 0x1f, 0x9000, SMMU_A)));
    b.addPmcg(2, 0x0905_2000L, 0, SMMU_A, List.of(Mapping.to(0, 0, 0x7000, ITS)));
    b.addPmcg(2, 0x0906_2000L, 77, SMMU_B, List.of());
    withClients(b);
    replaceCore(new IommuCore());
    AcpiIommu withExtras = glue(b);
    assertThat(configureAll(withExtras)).isEqualTo(plain);
  }

  // ---------------------------------------------------------------------------------------------
  // VIOT
  // ---------------------------------------------------------------------------------------------

  @Test
  void iortNoIommuFallsBackToTheViotRange() throws Exception {
    IortBuilder b = base();
    b.addRootComplex(3, 0, 0, List.of(Mapping.to(0, 0xffff, 0, ITS)));
    ViotBuilder v = new ViotBuilder();
    int iommu = v.addVirtioPciIommu(0, 0x08);
    v.addPciRange(0, 0, 0, 0, 0xff, iommu);
    AcpiIommu acpi = glue(b, v);
    registerSmmus(acpi);
    registerVirtio(acpi);
    DmaConfigureResult r = configurePci(acpi, 0, 0x18);
    assertThat(ids(r)).containsExactly(0x18);
    assertThat(binding(r).instance().ops()).isSameAs(virtio);
    assertThat(binding(r).instance().fwNode()).isSameAs(acpi.pciFwNode(0, 0x08));
    assertNoIommu(configurePci(acpi, 0, 0x100)); // neither table has it
  }

  @Test
  void viotEndpointIdIsSegmentAndBdfOffsetPlusEndpointStart() throws Exception {
    ViotBuilder v = new ViotBuilder();
    int iommu = v.addVirtioPciIommu(0, 0x08);
    v.addPciRange(0x1000, 1, 3, 0x100, 0x2ff, iommu);
    AcpiIommu acpi = glue(null, v); // no IORT at all
    registerVirtio(acpi);
    assertThat(ids(configurePci(acpi, 2, 0x123))).containsExactly(0x1_1023);
    assertThat(ids(configurePci(acpi, 1, 0x100))).containsExactly(0x1000);
    assertThat(ids(configurePci(acpi, 3, 0x2ff))).containsExactly(0x2_11ff);
    PciFunction aliased =
        new PciFunction(Bdf.ofRequesterId(2, 0x0208), ImmutableIntArray.of(0x0208, 0x0200));
    assertThat(ids(configurePci(acpi, aliased))).containsExactly(0x1_1108, 0x1_1100);
    assertNoIommu(configurePci(acpi, 0, 0x123));
    assertNoIommu(configurePci(acpi, 4, 0x123));
    assertNoIommu(configurePci(acpi, 2, 0x0ff));
    assertNoIommu(configurePci(acpi, 2, 0x300));
    PciFunction halfOut =
        new PciFunction(Bdf.ofRequesterId(2, 0x0208), ImmutableIntArray.of(0x0208, 0x0008));
    assertNoIommu(configurePci(acpi, halfOut));
  }

  @Test
  void theVirtioIommuFunctionItselfIsEinval() throws Exception {
    ViotBuilder v = new ViotBuilder();
    int iommu = v.addVirtioPciIommu(0, 0x10);
    v.addPciRange(0, 0, 0, 0, 0xff, iommu); // QEMU's range covers the IOMMU's own BDF
    AcpiIommu acpi = glue(null, v);
    Device self = addPci(acpi, PciFunction.of(new Bdf(0, 0, 0x10)));
    assertThat(self.fwNode()).isSameAs(acpi.viotFwNode(viotIommus(acpi).get(0)));
    // Before its driver registers too: the IOMMU must not wait for itself.
    assertFailed(core.dmaConfigure(self), Errno.EINVAL);
    assertThat(core.waitingDevices()).isEmpty();
    registerVirtio(acpi);
    DmaConfigureResult r = core.dmaConfigure(self);
    assertFailed(r, Errno.EINVAL);
    assertThat(self.isIommuMapped()).isFalse();
    assertThat(ids(configurePci(acpi, 0, 0x18))).containsExactly(0x18);
  }

  @Test
  void lastViotRangeInTheTableWins() throws Exception {
    ViotBuilder v = new ViotBuilder();
    int iommu = v.addVirtioPciIommu(0, 0x08);
    v.addPciRange(0x100, 0, 0, 0, 0xff, iommu);
    v.addPciRange(0x900, 0, 0, 0x10, 0x1f, iommu);
    AcpiIommu acpi = glue(null, v);
    registerVirtio(acpi);
    assertThat(ids(configurePci(acpi, 0, 0x18))).containsExactly(0x908);
    assertThat(ids(configurePci(acpi, 0, 0x20))).containsExactly(0x120);
  }

  @Test
  void mmioEndpointIsFoundByBaseAddress() throws Exception {
    ViotBuilder v = new ViotBuilder();
    int iommu = v.addVirtioMmioIommu(0x0a00_0000L);
    v.addMmioEndpoint(7, 0x0900_0000L, iommu);
    v.addMmioEndpoint(8, 0x0900_0000L, iommu); // same base later in the table: wins
    v.addMmioEndpoint(9, 0x0901_0000L, iommu);
    IortBuilder b = base(); // an IORT without a named component for these devices
    b.addNamedComponent(2, "\\_SB_.OTHR", 0, List.of(Mapping.single(0x10, SMMU_A)));
    AcpiIommu acpi = glue(b, v);
    registerVirtio(acpi);
    DmaConfigureResult eth = core.dmaConfigure(addNamed(acpi, "\\_SB_.ETH0", 0x0900_0000L, null));
    assertThat(ids(eth)).containsExactly(8);
    assertThat(binding(eth).instance().fwNode()).isSameAs(acpi.mmioFwNode(0x0a00_0000L));
    assertThat(ids(core.dmaConfigure(addNamed(acpi, "\\_SB_.ETH1", 0x0901_0000L, null))))
        .containsExactly(9);
    assertNoIommu(core.dmaConfigure(addNamed(acpi, "\\_SB_.ETH2", 0x0900_1000L, null)));
    assertNoIommu(core.dmaConfigure(addNamed(acpi, "\\_SB_.ETH3", null, null)));
  }

  @Test
  void unregisteredVirtioIommuDefersAndRegistrationRetries() throws Exception {
    ViotBuilder v = new ViotBuilder();
    int iommu = v.addVirtioPciIommu(0, 0x08);
    v.addPciRange(0, 0, 0, 0, 0xff, iommu);
    AcpiIommu acpi = glue(null, v);
    Device dev = addPci(acpi, PciFunction.of(new Bdf(0, 0, 0x18)));
    DmaConfigureResult r = core.dmaConfigure(dev);
    assertThat(r).isInstanceOf(DmaConfigureResult.Deferred.class);
    assertThat(((DmaConfigureResult.Deferred) r).waitingFor()).isSameAs(acpi.pciFwNode(0, 0x08));
    registerVirtio(acpi);
    assertThat(dev.iommuBinding().orElseThrow().ids().asList()).containsExactly(0x18);

    AcpiIommu disabled = AcpiIommu.of(null, acpi.viot(), EnumSet.of(AcpiIommuDriver.SMMU_V3));
    replaceCore(new IommuCore());
    assertNoIommu(configurePci(disabled, 0, 0x18));
  }

  @Test
  void noTablesAtAllIsNoIommu() throws Exception {
    AcpiIommu acpi = AcpiIommu.of(null, null);
    assertNoIommu(configurePci(acpi, 0, 0x10));
    assertNoIommu(core.dmaConfigure(addNamed(acpi, "\\_SB_.DEV0", 0x1000L, 0x5)));
  }

  /** IORT → SMMU A, VIOT → a registered virtio-iommu, for the same RIDs. */
  private AcpiIommu bothTables(List<Mapping> rcMappings, ImmutableList<AcpiIommuDriver> enabled)
      throws Exception {
    IortBuilder b = base();
    b.addRootComplex(3, 0, 0, rcMappings);
    b.addNamedComponent(
        2, "\\_SB_.MIX0", 0, List.of(Mapping.single(0x10, SMMU_A), Mapping.single(0x11, SMMU_V2)));
    ViotBuilder v = new ViotBuilder();
    int iommu = v.addVirtioPciIommu(1, 0x08);
    v.addPciRange(0x4000, 0, 0, 0, 0xffff, iommu);
    v.addMmioEndpoint(0x77, 0x0900_0000L, iommu);
    EnumSet<AcpiIommuDriver> set = EnumSet.noneOf(AcpiIommuDriver.class);
    set.addAll(enabled);
    AcpiIommu acpi = AcpiIommu.of(Iort.parse(b.build()), Viot.parse(v.build()), set);
    registerVirtio(acpi);
    return acpi;
  }

  @Test
  void viotIsTriedOnlyWhenTheIortSaysExactlyNoIommu() throws Exception {
    ImmutableList<AcpiIommuDriver> all = ImmutableList.copyOf(AcpiIommuDriver.values());
    List<Mapping> toSmmu = List.of(Mapping.to(0, 0xff, 0, SMMU_A), Mapping.to(0x100, 0xff, 0, ITS));
    AcpiIommu acpi = bothTables(toSmmu, all);

    // IORT deferral (SMMU A not registered): no fall-through to the registered virtio-iommu.
    DmaConfigureResult deferred = configurePci(acpi, 0, 0x18);
    assertThat(deferred).isInstanceOf(DmaConfigureResult.Deferred.class);
    assertThat(((DmaConfigureResult.Deferred) deferred).waitingFor()).isSameAs(smmu(acpi, SMMU_A));
    // IORT "no IOMMU" (RID to the ITS): the VIOT answers.
    assertThat(ids(configurePci(acpi, 0, 0x118))).containsExactly(0x4118);

    registerSmmus(acpi);
    // Now the waiting device is bound through the IORT, and the VIOT was not consulted.
    Device waiting = core.devices().get(0);
    assertThat(waiting.iommuBinding().orElseThrow().instance().fwNode())
        .isSameAs(smmu(acpi, SMMU_A));
    assertThat(waiting.iommuBinding().orElseThrow().ids().asList()).containsExactly(0x18);
    // IORT EINVAL (two drivers): an error, not a fall-through, even with an MMIO VIOT match.
    assertFailed(
        core.dmaConfigure(addNamed(acpi, "\\_SB_.MIX0", 0x0900_0000L, null)), Errno.EINVAL);
  }

  @Test
  void iortTimeoutDoesNotFallThroughButDisabledDriverDoes() throws Exception {
    List<Mapping> toSmmu = List.of(Mapping.to(0, 0xffff, 0, SMMU_A));
    AcpiIommu acpi = bothTables(toSmmu, ImmutableList.copyOf(AcpiIommuDriver.values()));
    core.setDeferralPolicy(DeferralPolicy.TIMEOUT_EXPIRED);
    assertFailed(configurePci(acpi, 0, 0x18), Errno.ETIMEDOUT);

    replaceCore(new IommuCore());
    AcpiIommu noV3 = bothTables(toSmmu, ImmutableList.of(AcpiIommuDriver.VIRTIO_IOMMU));
    DmaConfigureResult r = configurePci(noV3, 0, 0x18);
    assertThat(ids(r)).containsExactly(0x4018);
    assertThat(binding(r).instance().ops()).isSameAs(virtio);

    replaceCore(new IommuCore(DeferralPolicy.INITCALLS_DONE_NO_MODULES));
    AcpiIommu late = bothTables(toSmmu, ImmutableList.copyOf(AcpiIommuDriver.values()));
    assertThat(ids(configurePci(late, 0, 0x18))).containsExactly(0x4018);
  }

  /**
   * "No IOMMU" from the IORT means the IORT's fwspec is discarded (acpi-tables.md §1.8 step 3: "on
   * the local fwspec, which is discarded on failure"), so the VIOT starts from nothing: no SMMU
   * recorded by an earlier alias, no IDs, no root-complex ATS flag.
   */
  @Test
  void viotStartsFromNothingAfterAnIortNoIommu() throws Exception {
    IortBuilder b = base();
    b.addRootComplex(
        3,
        0,
        1,
        List.of(Mapping.to(0x000, 0xff, 0x000, SMMU_A), Mapping.to(0x100, 0xff, 0x100, ITS)));
    b.addNamedComponent(
        2, "\\_SB_.HALF", 0, List.of(Mapping.single(0x10, SMMU_A), Mapping.single(0x11, SMMU_B)));
    ViotBuilder v = new ViotBuilder();
    int iommu = v.addVirtioPciIommu(1, 0x08);
    v.addPciRange(0x4000, 0, 0, 0, 0xffff, iommu);
    v.addMmioEndpoint(0x77, 0x0900_0000L, iommu);
    AcpiIommu acpi = glue(b, v);
    register(acpi, SMMU_A);
    registerVirtio(acpi);
    core.setDeferralPolicy(DeferralPolicy.INITCALLS_DONE_NO_MODULES); // B never comes: ENODEV

    // Only the ATS flag of a root complex whose RIDs all go to the ITS.
    DmaConfigureResult its = configurePci(acpi, 0, 0x118);
    assertThat(ids(its)).containsExactly(0x4118);
    assertThat(binding(its).flags()).isZero();
    // The first alias reached SMMU A, the second reaches the ITS: the IORT says no IOMMU.
    PciFunction half =
        new PciFunction(Bdf.ofRequesterId(0, 0x0010), ImmutableIntArray.of(0x0010, 0x0100));
    DmaConfigureResult pci = configurePci(acpi, half);
    assertThat(ids(pci)).containsExactly(0x4010, 0x4100);
    assertThat(binding(pci).instance().ops()).isSameAs(virtio);
    assertThat(binding(pci).flags()).isZero();
    // A named component's first platform ID reached SMMU A, the second an SMMU that never comes.
    DmaConfigureResult nc = core.dmaConfigure(addNamed(acpi, "\\_SB_.HALF", 0x0900_0000L, null));
    assertThat(ids(nc)).containsExactly(0x77);
    assertThat(binding(nc).instance().ops()).isSameAs(virtio);
  }

  @Test
  void alreadyBoundDeviceKeepsItsFwspecAndTheNewOneIsFreed() throws Exception {
    IortBuilder b = base();
    b.addRootComplex(3, 0, 0, List.of(Mapping.to(0, 0xffff, 0, SMMU_A)));
    AcpiIommu acpi = glue(b);
    registerSmmus(acpi);
    Device dev = addPci(acpi, PciFunction.of(new Bdf(0, 0, 0x10)));
    IommuBinding first = binding(core.dmaConfigure(dev));
    long allocated = core.fwspecsAllocated();
    IommuBinding again = binding(core.dmaConfigure(dev));
    assertThat(again).isEqualTo(first);
    assertThat(core.fwspecsAllocated()).isEqualTo(allocated + 1);
  }
}
