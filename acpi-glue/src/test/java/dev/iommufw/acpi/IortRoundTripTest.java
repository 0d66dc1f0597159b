package dev.iommufw.acpi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iommufw.acpi.IortBuilder.Mapping;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every field {@link IortBuilder} writes is read back by {@link Iort#parse} at its offset: one
 * table with a node of each kind, each field set to a value no other field has.
 */
class IortRoundTripTest {
  @Test
  void everyFieldOfEveryNodeKindReadsBackWhatTheBuilderWrote() throws AcpiTableException {
    IortBuilder b = new IortBuilder();
    int its = b.addItsGroup(1, List.of(0x11L, 0x22L));
    int smmuV3 =
        b.addSmmuV3(
            4,
            0x9050000,
            0x3,
            new long[] {0x61, 0x62, 0x63, 0x64},
            0,
            List.of(Mapping.to(0x100, 0x200, 0x300, its)));
    int smmu = b.addSmmu(2, 0x2b400000L, 0x5, List.of(Mapping.single(0x77, its)));
    b.addNamedComponent(4, "\\_SB.DEV0", 0x9, List.of(Mapping.to(0x10, 0x20, 0x30, smmu)));
    b.addRootComplex(3, 0x4, 0x1, List.of(Mapping.to(0, 0xffff, 0x8000, smmuV3)));
    b.addPmcg(2, 0x9a000000L, 0x99, smmuV3, List.of());
    byte[] table = b.build();

    Iort iort = Iort.parse(table);
    assertThat(iort.header().length()).isEqualTo(table.length);
    assertThat(iort.nodes()).hasSize(6);

    IortNode.ItsGroup g = (IortNode.ItsGroup) iort.nodes().get(0);
    assertThat(g.header().offset()).isEqualTo(b.offsetOf(its));
    assertThat(g.itsIds()).containsExactly(0x11L, 0x22L);

    IortNode.SmmuV3 v3 = (IortNode.SmmuV3) iort.nodes().get(1);
    assertThat(v3.header().revision()).isEqualTo(4);
    assertThat(v3.base()).isEqualTo(0x9050000L);
    assertThat(v3.flags()).isZero();
    assertThat(v3.model()).isEqualTo(0x3);
    assertThat(List.of(v3.eventGsiv(), v3.priGsiv(), v3.gerrGsiv(), v3.syncGsiv()))
        .containsExactly(0x61L, 0x62L, 0x63L, 0x64L);
    assertThat(v3.proximityDomain()).isZero();
    assertThat(v3.deviceIdIndex()).isZero();
    assertThat(v3.header().mappingCount()).isEqualTo(1);
    IortIdMapping m = v3.header().mappings().get(0);
    assertThat(List.of(m.inputBase(), m.idCount(), m.outputBase(), m.outputReference()))
        .containsExactly(0x100L, 0x200L, 0x300L, (long) b.offsetOf(its));
    assertThat(m.single()).isFalse();

    IortNode.Smmu v2 = (IortNode.Smmu) iort.nodes().get(2);
    assertThat(v2.header().revision()).isEqualTo(2);
    assertThat(v2.base()).isEqualTo(0x2b400000L);
    assertThat(v2.span()).isEqualTo(0x10000L);
    assertThat(v2.model()).isEqualTo(0x5);
    assertThat(v2.flags()).isZero();
    assertThat(v2.contextInterruptCount()).isZero();
    IortIdMapping single = v2.header().mappings().get(0);
    assertThat(single.single()).isTrue();
    assertThat(single.outputBase()).isEqualTo(0x77L);

    IortNode.NamedComponent nc = (IortNode.NamedComponent) iort.nodes().get(3);
    assertThat(nc.name()).isEqualTo("\\_SB.DEV0");
    assertThat(nc.nodeFlags()).isEqualTo(0x9);
    assertThat(nc.cacheCoherency()).isEqualTo(1);
    assertThat(nc.memoryAccessFlags()).isZero();
    assertThat(nc.addressSizeLimit()).isEqualTo(48);
    assertThat(nc.header().mappings().get(0).outputReference()).isEqualTo(b.offsetOf(smmu));

    IortNode.RootComplex rc = (IortNode.RootComplex) iort.nodes().get(4);
    assertThat(rc.cacheCoherency()).isEqualTo(1);
    assertThat(rc.atsAttribute()).isEqualTo(0x1);
    assertThat(rc.ats()).isTrue();
    assertThat(rc.segment()).isEqualTo(0x4);
    assertThat(rc.addressSizeLimit()).isEqualTo(48);
    assertThat(rc.header().mappings().get(0).outputBase()).isEqualTo(0x8000L);

    IortNode.Pmcg pmcg = (IortNode.Pmcg) iort.nodes().get(5);
    assertThat(pmcg.page0Base()).isEqualTo(0x9a000000L);
    assertThat(pmcg.overflowGsiv()).isEqualTo(0x99);
    assertThat(pmcg.nodeReference()).isEqualTo(b.offsetOf(smmuV3));
    assertThat(pmcg.page1Base()).isEqualTo(0x9a010000L);
    for (int i = 0; i < 6; i++) {
      assertThat(iort.nodes().get(i).header().offset()).isEqualTo(b.offsetOf(i));
      assertThat(iort.node(b.offsetOf(i))).isSameAs(iort.nodes().get(i));
    }
  }
}
