package dev.iommufw.acpi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.iommufw.core.testing.Tries;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Property tests: builder → bytes → parser round trip, the ID walk against an independent reference
 * model, and random corruption of real tables. Random tables are derived from a generated seed
 * ({@link RandomIort}).
 */
class IortProperties {
  @Test
  void builderOutputParsesBackToTheSameFields() {
    qt().withExamples(Tries.scaled(300))
        .forAll(longs().all())
        .checkAssert(
            seed -> {
              RandomIort spec = RandomIort.generate(seed);
              IortBuilder builder = spec.builder();
              byte[] bytes = builder.build();
              Iort iort = parse(bytes);
              assertThat(iort.revision()).isEqualTo(spec.revision);
              assertThat(iort.header().length()).isEqualTo(bytes.length);
              assertThat(iort.nodes()).hasSize(spec.nodes.size());
              for (int i = 0; i < spec.nodes.size(); i++) {
                RandomIort.NodeSpec s = spec.nodes.get(i);
                IortNode n = iort.nodes().get(i);
                assertThat(n.offset()).isEqualTo(builder.offsetOf(i));
                assertThat(n.typeCode()).isEqualTo(s.type());
                assertThat(n.mappings()).hasSize(s.maps().size());
                for (int k = 0; k < s.maps().size(); k++) {
                  RandomIort.MapSpec m = s.maps().get(k);
                  IortIdMapping p = n.mappings().get(k);
                  assertThat(p.single()).isEqualTo(m.single());
                  assertThat(p.outputBase()).isEqualTo(m.outBase());
                  assertThat(p.outputReference()).isEqualTo(builder.offsetOf(m.target()));
                  if (!m.single()) {
                    assertThat(p.inputBase()).isEqualTo(m.inBase());
                    assertThat(p.idCount()).isEqualTo(m.count());
                  }
                }
                checkTypeFields(s, n, builder);
              }
            });
  }

  private static void checkTypeFields(RandomIort.NodeSpec s, IortNode n, IortBuilder b) {
    if (n instanceof IortNode.ItsGroup its) {
      assertThat(its.itsIds()).containsExactlyElementsOf(s.itsIds());
    } else if (n instanceof IortNode.NamedComponent nc) {
      assertThat(nc.name()).isEqualTo(s.name());
      assertThat(nc.nodeFlags()).isEqualTo(s.flags());
    } else if (n instanceof IortNode.RootComplex rc) {
      assertThat(rc.segment()).isEqualTo(s.segment());
      assertThat(rc.atsAttribute()).isEqualTo(s.ats());
    } else if (n instanceof IortNode.Smmu smmu) {
      assertThat(smmu.base()).isEqualTo(s.base());
      assertThat(smmu.model()).isEqualTo(s.model());
    } else if (n instanceof IortNode.SmmuV3 v3) {
      assertThat(v3.base()).isEqualTo(s.base());
      assertThat(v3.deviceIdIndex()).isEqualTo(s.deviceIdIndex());
      assertThat(new long[] {v3.eventGsiv(), v3.priGsiv(), v3.gerrGsiv(), v3.syncGsiv()})
          .containsExactly(s.gsivs());
    } else if (n instanceof IortNode.Pmcg pmcg) {
      assertThat(pmcg.page0Base()).isEqualTo(s.base());
      assertThat(pmcg.overflowGsiv()).isEqualTo(s.overflow());
      assertThat(pmcg.nodeReference()).isEqualTo(s.monitored() < 0 ? 0 : b.offsetOf(s.monitored()));
    } else if (n instanceof IortNode.Rmr rmr) {
      assertThat(rmr.ranges()).containsExactlyElementsOf(s.ranges());
      assertThat(rmr.rmrFlags()).isEqualTo(s.flags());
    } else {
      assertThat(n).isInstanceOf(IortNode.Unknown.class);
    }
  }

  @Test
  void walkAgreesWithTheReferenceModel() {
    qt().withExamples(Tries.scaled(400))
        .forAll(longs().all(), integers().between(0, 80))
        .checkAssert(
            (seed, id) -> {
              RandomIort spec = RandomIort.generate(seed);
              Iort iort = parse(spec.builder().build());
              for (int start = 0; start < spec.nodes.size(); start++) {
                for (boolean toIommu : new boolean[] {true, false}) {
                  IortWalkResult actual =
                      iort.mapId(
                          iort.nodes().get(start), id, toIommu ? IortTarget.IOMMU : IortTarget.MSI);
                  RandomIort.ModelResult expected = spec.modelWalk(start, id, toIommu);
                  assertThat(actual.node()).isSameAs(iort.nodes().get(expected.node()));
                  switch (expected.kind()) {
                    case "reached" ->
                        assertThat(actual)
                            .isEqualTo(new IortWalkResult.Reached(actual.node(), expected.id()));
                    case "its" ->
                        assertThat(actual)
                            .isEqualTo(
                                new IortWalkResult.StoppedAtIts(actual.node(), expected.id()));
                    default -> assertThat(actual).isInstanceOf(IortWalkResult.Stopped.class);
                  }
                }
              }
            });
  }

  @Test
  void corruptedCorpusTablesOnlyEverFailWithAcpiTableException() {
    qt().withExamples(Tries.scaled(2000))
        .forAll(integers().between(0, TestTables.GOOD_IORT.length - 1), longs().all())
        .checkAssert(
            (which, seed) -> {
              byte[] t = TestTables.load(TestTables.GOOD_IORT[which]);
              byte[] bad = Corruption.corrupt(t, new Random(seed));
              try {
                Iort iort = Iort.parse(bad, new Random(seed).nextBoolean());
                exercise(iort);
              } catch (AcpiTableException expected) {
                assertThat(expected.problem()).isNotNull();
              }
            });
  }

  /** Runs every query on a table that parsed; none may throw. */
  @SuppressWarnings("CheckReturnValue") // runs every query only for the exceptions it may throw
  static void exercise(Iort iort) {
    for (IortNode n : iort.nodes()) {
      n.specialIndex();
      for (long id : new long[] {0, 1, 0x10, 0xff, 0x100, 0xffff, 0x10000, 0xffffffffL}) {
        iort.mapId(n, id, IortTarget.IOMMU);
        iort.mapId(n, id, IortTarget.MSI);
      }
      for (int i = 0; i <= n.mappings().size(); i++) {
        iort.mapPlatformId(n, IortTarget.IOMMU, i);
        iort.mapPlatformId(n, IortTarget.MSI, i);
      }
      if (n instanceof IortNode.NamedComponent nc) {
        assertThat(iort.findNamedComponent(nc.name())).isNotNull();
      }
      if (n instanceof IortNode.RootComplex rc) {
        assertThat(iort.findRootComplex(rc.segment())).isNotNull();
      }
    }
  }

  private static Iort parse(byte[] bytes) {
    try {
      return Iort.parse(bytes);
    } catch (AcpiTableException e) {
      throw new AssertionError(e.problem() + " " + e.getMessage(), e);
    }
  }
}
