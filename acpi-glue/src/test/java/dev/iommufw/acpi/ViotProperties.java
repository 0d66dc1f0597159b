package dev.iommufw.acpi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.iommufw.core.testing.Tries;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** VIOT properties: builder round trip with a reference look-up, and random corruption. */
class ViotProperties {
  private record Range(long start, int segStart, int segEnd, int bdfStart, int bdfEnd) {}

  @Test
  void lookupAgreesWithLastWinsModel() {
    qt().withExamples(Tries.scaled(300))
        .forAll(longs().all(), integers().between(0, 3), integers().between(0, 0x60))
        .checkAssert(
            (seed, seg, bdf) -> {
              Random r = new Random(seed);
              ViotBuilder b = new ViotBuilder();
              int iommu = b.addVirtioPciIommu(r.nextInt(3), r.nextInt(0x60));
              List<Range> ranges = new ArrayList<>();
              for (int i = r.nextInt(5); i > 0; i--) {
                int s0 = r.nextInt(3);
                int b0 = r.nextInt(0x50);
                Range range =
                    new Range(r.nextInt(1000), s0, s0 + r.nextInt(2), b0, b0 + r.nextInt(0x20));
                ranges.add(range);
                b.addPciRange(
                    range.start(),
                    range.segStart(),
                    range.segEnd(),
                    range.bdfStart(),
                    range.bdfEnd(),
                    iommu);
              }
              Viot viot = parse(b.build());
              assertThat(viot.nodes()).hasSize(1 + ranges.size());
              Long expected = null;
              for (Range range : ranges) {
                if (seg >= range.segStart()
                    && seg <= range.segEnd()
                    && bdf >= range.bdfStart()
                    && bdf <= range.bdfEnd()) {
                  expected =
                      ((long) (seg - range.segStart()) << 16)
                          + bdf
                          - range.bdfStart()
                          + range.start();
                }
              }
              Viot.PciMatch m = viot.lookupPci(seg, bdf);
              assertThat(m == null ? null : m.endpointId()).isEqualTo(expected);
            });
  }

  @Test
  void corruptedCorpusTablesOnlyEverFailWithAcpiTableException() {
    qt().withExamples(Tries.scaled(2000))
        .forAll(integers().between(0, TestTables.GOOD_VIOT.length - 1), longs().all())
        .checkAssert(
            (which, seed) -> {
              byte[] bad =
                  Corruption.corrupt(
                      TestTables.load(TestTables.GOOD_VIOT[which]), new Random(seed));
              try {
                exercise(Viot.parse(bad));
              } catch (AcpiTableException expected) {
                assertThat(expected.problem()).isNotNull();
              }
            });
  }

  @SuppressWarnings("CheckReturnValue") // runs every query only for the exceptions it may throw
  static void exercise(Viot viot) {
    for (ViotNode n : viot.nodes()) {
      if (n instanceof ViotNode.Endpoint e) {
        viot.outputIommu(e);
      }
      if (n instanceof ViotNode.PciRange r) {
        viot.lookupPci(r.segmentStart(), r.bdfStart());
        viot.lookupPci(r.segmentEnd(), r.bdfEnd());
      }
      if (n instanceof ViotNode.MmioEndpoint e) {
        viot.lookupMmio(e.base());
      }
    }
    viot.lookupPci(0, 0);
    viot.lookupPci(0xffff, 0xffff);
  }

  private static Viot parse(byte[] t) {
    try {
      return Viot.parse(t);
    } catch (AcpiTableException e) {
      throw new AssertionError(e.getMessage(), e);
    }
  }
}
