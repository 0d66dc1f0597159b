package dev.iommufw.acpi;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iommufw.acpi.AcpiTableException.Problem;
import dev.iommufw.acpi.IortBuilder.Mapping;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Resource bounds (issue 12): hostile but well-formed-looking IORT and VIOT shapes are answered
 * with a result or the typed error, never a stack overflow, an allocation sized by an unchecked
 * field, or a hang. Outcomes only; the time and memory are measured by the {@code
 * HostileInputBenchmark} in the benchmarks module.
 */
class HostileAcpiTest {
  private static final long[] NO_GSIVS = {0, 0, 0, 0};
  private static final int UNKNOWN_TYPE = 0x7e;

  private static AcpiTableException.Problem problemOf(byte[] table) {
    try {
      var unused = Iort.parse(table);
    } catch (AcpiTableException e) {
      return e.problem();
    }
    throw new AssertionError("parsed");
  }

  @Test
  void iortWithTenThousandNodes() throws AcpiTableException {
    int n = 10_000;
    IortBuilder b = new IortBuilder();
    int its = b.addItsGroup(1, List.of(0L));
    int smmu = b.addSmmuV3(4, 0x2b40_0000L, 0, NO_GSIVS, 0, List.of(Mapping.to(0, 0xffff, 0, its)));
    for (int i = 2; i < n; i++) {
      b.addNamedComponent(2, "\\_SB_.D" + i, 0, List.of(Mapping.to(0, 0xff, i << 8, smmu)));
    }
    Iort iort = Iort.parse(b.build());

    assertThat(iort.nodes()).hasSize(n);
    IortNode smmuNode = iort.nodes().get(smmu);
    for (int i = 2; i < n; i++) {
      assertThat(iort.mapId(iort.nodes().get(i), 0x12, IortTarget.IOMMU))
          .isEqualTo(new IortWalkResult.Reached(smmuNode, (i << 8) + 0x12L));
    }
    assertThat(iort.findNamedComponent("\\_SB_.D" + (n - 1))).isSameAs(iort.nodes().get(n - 1));
  }

  /** Nodes 0..length-1, each mapping everything to the next; the last is an SMMUv3. */
  private static byte[] chain(int length) {
    IortBuilder b = new IortBuilder();
    for (int i = 0; i < length - 1; i++) {
      b.addUnknown(UNKNOWN_TYPE, List.of(Mapping.to(0, 0xffff_ffffL, 1, i + 1)));
    }
    b.addSmmuV3(4, 0x1000, 0, NO_GSIVS, 0, List.of());
    return b.build();
  }

  @Test
  void chainOfMaxHopsIsWalked() throws AcpiTableException {
    Iort iort = Iort.parse(chain(Iort.MAX_HOPS + 1));

    IortWalkResult r = iort.mapId(iort.nodes().get(0), 7, IortTarget.IOMMU);

    assertThat(r)
        .isEqualTo(new IortWalkResult.Reached(iort.nodes().get(Iort.MAX_HOPS), 7L + Iort.MAX_HOPS));
  }

  @Test
  void chainOneHopTooLongIsTooDeep() {
    assertThat(problemOf(chain(Iort.MAX_HOPS + 2))).isEqualTo(Problem.TOO_DEEP);
  }

  @Test
  void chainOfTenThousandNodesIsTooDeepWithoutRecursion() {
    assertThat(problemOf(chain(10_000))).isEqualTo(Problem.TOO_DEEP);
  }

  /** Nodes 0..length-1, each mapping to the next, the last back to node {@code back}. */
  private static byte[] ring(int length, int back) {
    IortBuilder b = new IortBuilder();
    for (int i = 0; i < length; i++) {
      int next = i == length - 1 ? back : i + 1;
      b.addUnknown(UNKNOWN_TYPE, List.of(Mapping.to(0, 0xffff_ffffL, 0, next)));
    }
    return b.build();
  }

  @Test
  void cyclicChainsAreCycles() {
    assertThat(problemOf(ring(1, 0))).isEqualTo(Problem.CYCLE); // a self-loop
    assertThat(problemOf(ring(2, 0))).isEqualTo(Problem.CYCLE);
    assertThat(problemOf(ring(10_000, 0))).isEqualTo(Problem.CYCLE);
    // a long tail that runs into a small loop at its end
    assertThat(problemOf(ring(10_000, 9_990))).isEqualTo(Problem.CYCLE);
  }

  @Test
  void wideFanInUnderTheHopLimitParses() throws AcpiTableException {
    // Every node maps to every later one (a DAG with ~n^2/2 edges); depth n-1 <= MAX_HOPS.
    IortBuilder b = new IortBuilder();
    int n = Iort.MAX_HOPS + 1;
    for (int i = 0; i < n - 1; i++) {
      List<Mapping> maps = new ArrayList<>();
      for (int j = i + 1; j < n; j++) {
        maps.add(Mapping.to(j, 0, j, j));
      }
      b.addUnknown(UNKNOWN_TYPE, maps);
    }
    b.addSmmuV3(4, 0x1000, 0, NO_GSIVS, 0, List.of());
    Iort iort = Iort.parse(b.build());
    assertThat(iort.mapId(iort.nodes().get(0), n - 1, IortTarget.IOMMU))
        .isEqualTo(new IortWalkResult.Reached(iort.nodes().get(n - 1), n - 1L));
  }

  @Test
  void countsThatClaimFourGibAreRejectedBeforeAllocating() {
    IortBuilder b = new IortBuilder();
    int its = b.addItsGroup(1, List.of(1L));
    int rc = b.addRootComplex(3, 0, 0, List.of(Mapping.to(0, 0xffff, 0, its)));
    int rmr = b.addRmr(3, 0, List.of(new IortNode.MemoryRange(0x1000, 0x1000)), List.of());
    byte[] good = b.build();
    int itsAt = b.offsetOf(its);
    int rcAt = b.offsetOf(rc);
    int rmrAt = b.offsetOf(rmr);

    assertThat(problemOf(patched(good, 36, 0xffff_ffffL))).isEqualTo(Problem.TRUNCATED);
    assertThat(problemOf(patched(good, itsAt + 16, 0xffff_ffffL))).isEqualTo(Problem.BAD_LENGTH);
    assertThat(problemOf(patched(good, rcAt + 8, 0xffff_ffffL))).isEqualTo(Problem.BAD_OFFSET);
    assertThat(problemOf(patched(good, rcAt + 12, 0xffff_ffffL))).isEqualTo(Problem.BAD_OFFSET);
    assertThat(problemOf(patched(good, rmrAt + 20, 0xffff_ffffL))).isEqualTo(Problem.BAD_OFFSET);
    assertThat(problemOf(patched(good, rmrAt + 24, 0xffff_ffffL))).isEqualTo(Problem.BAD_OFFSET);
    assertThat(problemOf(patched(good, 40, 0xffff_ffffL))).isEqualTo(Problem.BAD_OFFSET);
    assertThat(problemOf(patched(good, 4, 0xffff_ffffL))).isEqualTo(Problem.TRUNCATED);
  }

  private static byte[] patched(byte[] table, int at, long u32) {
    byte[] t = table.clone();
    Le.put32(t, at, u32);
    Le.fixChecksum(t);
    return t;
  }

  @Test
  void viotOverlappingRangesLastValidOneWins() throws AcpiTableException {
    ViotBuilder b = new ViotBuilder();
    int iommu = b.addVirtioPciIommu(0, 0x0008);
    int other = b.addVirtioMmioIommu(0xa000_0000L);
    int n = 2_000; // node offsets are u16, so a VIOT holds under 2,730 ranges
    int firstRange = b.nextOffset();
    for (int i = 0; i < n; i++) {
      // all overlap: segments 0..3, every BDF
      b.addPciRange((long) i << 12, 0, 3, 0, 0xffff, i % 2 == 0 ? iommu : other);
    }
    int winner = b.addPciRange(0x5000_0000L, 1, 2, 0x100, 0x1ff, iommu);
    b.addPciRange(0x6000_0000L, 0, 3, 0x200, 0x100, iommu); // inverted: covers nothing
    b.addPciRange(0x7000_0000L, 0, 3, 0, 0xffff, firstRange); // output is not an IOMMU: skipped
    for (int i = 0; i < 100; i++) {
      b.addMmioEndpoint(i, 0x1000_0000L, i % 2 == 0 ? iommu : other);
    }
    Viot viot = Viot.parse(b.build());

    Viot.PciMatch hit = requireNonNull(viot.lookupPci(2, 0x1ff));
    assertThat(hit.range().offset()).isEqualTo(winner);
    assertThat(hit.endpointId()).isEqualTo(0x5000_0000L + (1 << 16) + 0xff);
    Viot.PciMatch last = requireNonNull(viot.lookupPci(3, 0x150));
    assertThat(last.endpointId()).isEqualTo(((long) (n - 1) << 12) + (3 << 16) + 0x150);
    assertThat(last.iommu()).isInstanceOf(ViotNode.VirtioMmioIommu.class);
    Viot.MmioMatch mmio = requireNonNull(viot.lookupMmio(0x1000_0000L));
    assertThat(mmio.endpoint().endpointId()).isEqualTo(99);
    assertThat(viot.lookupPci(4, 0)).isNull();
  }

  @Test
  void viotCountThatClaimsTooManyNodesIsTruncated() {
    ViotBuilder b = new ViotBuilder();
    b.addVirtioPciIommu(0, 8);
    byte[] t = b.build();
    Le.put16(t, 36, 0xffff);
    Le.fixChecksum(t);
    assertThatThrownBy(() -> Viot.parse(t))
        .isInstanceOfSatisfying(
            AcpiTableException.class, e -> assertThat(e.problem()).isEqualTo(Problem.TRUNCATED));
  }
}
