package dev.iommufw.acpi;

import static dev.iommufw.acpi.IortParseTest.at;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iommufw.acpi.IortBuilder.Mapping;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The ID walks ({@code acpi-tables.md} §1.7) and the node look-ups, one edge case each. */
class IortWalkTest {
  private static final long[] MSI = {0, 0, 0, 0};
  private static final long[] WIRED = {1, 2, 3, 4};

  private static IortWalkResult.Reached reached(Iort iort, int nodeIndex, long id) {
    return new IortWalkResult.Reached(iort.nodes().get(nodeIndex), id);
  }

  @Test
  void rangeIsInclusiveOfBasePlusCount() throws Exception {
    IortBuilder b = new IortBuilder();
    int smmu = b.addSmmuV3(1, 0, 0, WIRED, 0, List.of());
    b.addRootComplex(0, 0, 0, List.of(Mapping.to(0x10, 0xf, 0x100, smmu)));
    Iort iort = Iort.parse(b.build());
    IortNode rc = iort.nodes().get(1);
    assertThat(iort.mapId(rc, 0xf, IortTarget.IOMMU)).isEqualTo(new IortWalkResult.Stopped(rc));
    assertThat(iort.mapId(rc, 0x10, IortTarget.IOMMU)).isEqualTo(reached(iort, 0, 0x100));
    // 0x1f is the last ID: a tentative match that is taken since nothing else matches.
    assertThat(iort.mapId(rc, 0x1f, IortTarget.IOMMU)).isEqualTo(reached(iort, 0, 0x10f));
    assertThat(iort.mapId(rc, 0x20, IortTarget.IOMMU)).isEqualTo(new IortWalkResult.Stopped(rc));
  }

  @Test
  void outputIdArithmeticIsU32() throws Exception {
    IortBuilder b = new IortBuilder();
    int smmu = b.addSmmuV3(1, 0, 0, WIRED, 0, List.of());
    b.addRootComplex(0, 0, 0, List.of(Mapping.to(0x0, 0xff, 0xffffff00L, smmu)));
    Iort iort = Iort.parse(b.build());
    assertThat(iort.mapId(iort.nodes().get(1), 0x80, IortTarget.IOMMU))
        .isEqualTo(reached(iort, 0, 0xffffff80L));
    assertThatThrownBy(() -> iort.mapId(iort.nodes().get(1), 1L << 32, IortTarget.IOMMU))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void singleMappingsMatchOnClientsOnly() throws Exception {
    IortBuilder b = new IortBuilder();
    int its = b.addItsGroup(0, List.of(0L));
    // SMMUv3 with wired interrupts (no special index): its single mapping is skipped when IDs
    // are translated through it, so the range after it is used.
    int smmu =
        b.addSmmuV3(
            1,
            0,
            0,
            WIRED,
            0,
            List.of(Mapping.single(0x7777, its), Mapping.to(0, 0xffff, 0x1000, its)));
    int nc = b.addNamedComponent(0, "\\_SB_.DEV0", 0, List.of(Mapping.single(0x42, smmu)));
    b.addRootComplex(0, 0, 0, List.of(Mapping.single(0x43, smmu)));
    Iort iort = Iort.parse(b.build());
    assertThat(iort.mapId(iort.nodes().get(nc), 0x999, IortTarget.IOMMU))
        .isEqualTo(reached(iort, smmu, 0x42));
    assertThat(iort.mapId(iort.nodes().get(3), 0, IortTarget.IOMMU))
        .isEqualTo(reached(iort, smmu, 0x43));
    assertThat(iort.mapId(iort.nodes().get(smmu), 5, IortTarget.MSI))
        .isEqualTo(reached(iort, its, 0x1005));
  }

  @Test
  void tentativeLastIdMatchGivesWayToARangeStartingThere() throws Exception {
    // Firmware that wrote a count instead of count - 1: [0, 0x100] and [0x100, 0x1ff] overlap.
    IortBuilder b = new IortBuilder();
    int smmu = b.addSmmu(0, 0, 3, List.of());
    b.addRootComplex(
        0, 0, 0, List.of(Mapping.to(0, 0x100, 0, smmu), Mapping.to(0x100, 0xff, 0x1000, smmu)));
    Iort iort = Iort.parse(b.build());
    IortNode rc = iort.nodes().get(1);
    assertThat(iort.mapId(rc, 0xff, IortTarget.IOMMU)).isEqualTo(reached(iort, 0, 0xff));
    assertThat(iort.mapId(rc, 0x100, IortTarget.IOMMU)).isEqualTo(reached(iort, 0, 0x1000));
    assertThat(iort.mapId(rc, 0x101, IortTarget.IOMMU)).isEqualTo(reached(iort, 0, 0x1001));
  }

  @Test
  void afterATentativeMatchOnlyARangeStartingAtTheIdCounts() throws Exception {
    IortBuilder b = new IortBuilder();
    int smmu = b.addSmmu(0, 0, 3, List.of());
    b.addRootComplex(
        0, 0, 0, List.of(Mapping.to(0, 0x10, 0x500, smmu), Mapping.to(0x8, 0x10, 0x900, smmu)));
    Iort iort = Iort.parse(b.build());
    // 0x10 is the last ID of entry 0 (tentative) and inside entry 1, which does not start at it.
    assertThat(iort.mapId(iort.nodes().get(1), 0x10, IortTarget.IOMMU))
        .isEqualTo(reached(iort, 0, 0x510));
    // Without a tentative match, entry 1 wins for an ID only it covers.
    assertThat(iort.mapId(iort.nodes().get(1), 0x11, IortTarget.IOMMU))
        .isEqualTo(reached(iort, 0, 0x909));
  }

  @Test
  void countZeroIsASingleIdAndNeverTentative() throws Exception {
    IortBuilder b = new IortBuilder();
    int smmu = b.addSmmu(0, 0, 3, List.of());
    b.addRootComplex(0, 0, 0, List.of(Mapping.to(5, 0, 0x50, smmu), Mapping.to(5, 0, 0x60, smmu)));
    Iort iort = Iort.parse(b.build());
    assertThat(iort.mapId(iort.nodes().get(1), 5, IortTarget.IOMMU))
        .isEqualTo(reached(iort, 0, 0x50));
  }

  @Test
  void specialIndexIsSkippedWhenTranslatingThroughTheNode() throws Exception {
    IortBuilder b = new IortBuilder();
    int its = b.addItsGroup(0, List.of(0L));
    b.addSmmuV3(
        1,
        0,
        0,
        MSI,
        0,
        List.of(Mapping.to(0, 0xff, 0x9000, its), Mapping.to(0, 0xff, 0x100, its)));
    Iort iort = Iort.parse(b.build());
    IortNode smmu = iort.nodes().get(1);
    assertThat(smmu.specialIndex()).isZero();
    assertThat(iort.mapId(smmu, 3, IortTarget.MSI)).isEqualTo(reached(iort, its, 0x103));
  }

  @Test
  void specialIndexRules() throws Exception {
    IortBuilder b = new IortBuilder();
    int its = b.addItsGroup(0, List.of(0L));
    List<Mapping> one = List.of(Mapping.to(0, 1, 0, its));
    b.addSmmuV3(0, 0, 0, MSI, 0, one); // revision 0: none
    b.addSmmuV3(1, 0, 0, WIRED, 0, one); // all wired: none
    b.addSmmuV3(1, 0, 0, new long[] {1, 0, 3, 4}, 0, one); // one MSI: the index
    b.addSmmuV3(1, 0, 0, MSI, 1, one); // index >= count: none (firmware bug)
    b.addPmcg(1, 0, 0, its, one); // PMCG over MSI: 0
    b.addPmcg(1, 0, 50, its, one); // wired PMCG: none
    b.addPmcg(1, 0, 0, its, List.of()); // no mapping: none
    b.addRootComplex(0, 0, 0, one);
    Iort iort = Iort.parse(b.build());
    assertThat(iort.nodes().subList(1, 9))
        .extracting(IortNode::specialIndex)
        .containsExactly(null, null, 0, null, 0, null, null, null);
  }

  @Test
  void nullFirstReferenceStopsTheWalkEvenIfALaterEntryMatches() throws Exception {
    IortBuilder b = new IortBuilder();
    int smmu = b.addSmmu(0, 0, 3, List.of());
    b.addRootComplex(
        0, 0, 0, List.of(Mapping.raw(0, 0xf, 0, 0, false), Mapping.to(0x10, 0xf, 0x10, smmu)));
    Iort iort = Iort.parse(b.build());
    IortNode rc = iort.nodes().get(1);
    assertThat(iort.mapId(rc, 0x11, IortTarget.IOMMU)).isEqualTo(new IortWalkResult.Stopped(rc));
  }

  @Test
  void chosenEntryWithNullReferenceStops() throws Exception {
    IortBuilder b = new IortBuilder();
    int smmu = b.addSmmu(0, 0, 3, List.of());
    b.addRootComplex(
        0, 0, 0, List.of(Mapping.to(0x10, 0xf, 0x10, smmu), Mapping.raw(0, 0xf, 0, 0, false)));
    Iort iort = Iort.parse(b.build());
    IortNode rc = iort.nodes().get(1);
    assertThat(iort.mapId(rc, 0x1, IortTarget.IOMMU)).isEqualTo(new IortWalkResult.Stopped(rc));
    assertThat(iort.mapId(rc, 0x11, IortTarget.IOMMU)).isEqualTo(reached(iort, 0, 0x11));
  }

  @Test
  void walkTowardIommuThatEndsAtTheItsGivesTheMsiDeviceId() throws Exception {
    Iort iort = Iort.parse(TestTables.load("qemu/qemu-smmuv3-defbypass-iort.bin"));
    IortNode rc = at(iort, 0xa0);
    assertThat(iort.mapId(rc, 0x10, IortTarget.IOMMU))
        .isEqualTo(new IortWalkResult.StoppedAtIts(at(iort, 0x30), 0x10));
    assertThat(iort.mapId(rc, 0x8010, IortTarget.IOMMU))
        .isEqualTo(new IortWalkResult.Reached(at(iort, 0x48), 0x8010));
    // Toward the MSI controller the SMMU is walked through.
    assertThat(iort.mapId(rc, 0x8010, IortTarget.MSI))
        .isEqualTo(new IortWalkResult.Reached(at(iort, 0x30), 0x8010));
  }

  @Test
  void platformIds() throws Exception {
    Iort iort = Iort.parse(TestTables.load("synthetic/iort-nc-rc-smmuv3.bin"));
    IortNode smmu = at(iort, 0x48);
    IortNode dma = at(iort, 0xf4);
    assertThat(iort.mapPlatformId(dma, IortTarget.IOMMU, 0))
        .isEqualTo(new IortWalkResult.Reached(smmu, 0x30));
    assertThat(iort.mapPlatformId(dma, IortTarget.IOMMU, 1))
        .isEqualTo(new IortWalkResult.Reached(smmu, 0x31));
    assertThat(iort.mapPlatformId(dma, IortTarget.IOMMU, 2)).isNull();
    // NC -> SMMU -> ITS for its MSI: the SMMU's special index 1 is skipped, entry 0 is used.
    assertThat(iort.mapPlatformId(dma, IortTarget.MSI, 0))
        .isEqualTo(new IortWalkResult.Reached(at(iort, 0x30), 0x30));
    // Straight to the ITS.
    assertThat(iort.mapPlatformId(at(iort, 0x148), IortTarget.IOMMU, 0))
        .isEqualTo(new IortWalkResult.StoppedAtIts(at(iort, 0x30), 0x40));
    // A range mapping gives no platform ID.
    assertThat(iort.nodeGetId(at(iort, 0x188), 0)).isNull();
    // The SMMUv3's own DeviceID (single mapping 1).
    assertThat(iort.nodeGetId(smmu, 1)).isEqualTo(new Iort.PlatformId(0x10000, at(iort, 0x30)));
    assertThat(iort.mapPlatformId(smmu, IortTarget.MSI, 1))
        .isEqualTo(new IortWalkResult.Reached(at(iort, 0x30), 0x10000));
  }

  @Test
  void smmuV1NodesHaveNoPlatformId() throws Exception {
    Iort iort = Iort.parse(TestTables.load("synthetic/iort-smmuv2-segments.bin"));
    assertThat(iort.nodeGetId(at(iort, 0x4c), 1)).isNull();
  }

  @Test
  void rootComplexLookupBySegmentFirstWins() throws Exception {
    Iort iort = Iort.parse(TestTables.load("synthetic/iort-smmuv2-segments.bin"));
    assertThat(iort.findRootComplex(0)).isSameAs(at(iort, 0x138));
    assertThat(iort.findRootComplex(1)).isSameAs(at(iort, 0x198));
    assertThat(iort.findRootComplex(2)).isNull();
  }

  @Test
  void namedComponentLookupIsExactAndFirstWins() throws Exception {
    IortBuilder b = new IortBuilder();
    int its = b.addItsGroup(0, List.of(0L));
    b.addNamedComponent(0, "\\_SB.GPU0", 0, List.of(Mapping.single(1, its)));
    b.addNamedComponent(0, "\\_SB_.GPU0", 0, List.of(Mapping.single(2, its)));
    b.addNamedComponent(0, "\\_SB_.GPU0", 0, List.of(Mapping.single(3, its)));
    Iort iort = Iort.parse(b.build());
    assertThat(iort.findNamedComponent("\\_SB_.GPU0")).isSameAs(iort.nodes().get(2));
    assertThat(iort.findNamedComponent("\\_SB_.GPU1")).isNull();
    assertThat(Iort.matchesAfterNormalisation("\\_SB.GPU0", "\\_SB_.GPU0")).isTrue();
    assertThat(Iort.matchesAfterNormalisation("\\_SB.PCI0.DEV", "\\_SB_.PCI0.DEV_")).isTrue();
    assertThat(Iort.matchesAfterNormalisation("\\_SB.GPU0", "\\_SB_.GPU1")).isFalse();
  }

  @Test
  void nodesFromAnotherTableAreRejected() throws Exception {
    Iort a = Iort.parse(TestTables.load("qemu/qemu-noiommu-iort.bin"));
    Iort b = Iort.parse(TestTables.load("qemu/qemu-smmuv3-defbypass-iort.bin"));
    assertThatThrownBy(() -> a.mapId(b.nodes().get(1), 0, IortTarget.IOMMU))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
