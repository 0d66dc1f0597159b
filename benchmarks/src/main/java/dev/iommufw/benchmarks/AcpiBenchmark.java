package dev.iommufw.benchmarks;

import dev.iommufw.acpi.AcpiTableException;
import dev.iommufw.acpi.Iort;
import dev.iommufw.acpi.IortBuilder;
import dev.iommufw.acpi.IortNode;
import dev.iommufw.acpi.IortTarget;
import dev.iommufw.acpi.IortWalkResult;
import dev.iommufw.acpi.Viot;
import dev.iommufw.acpi.ViotBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Benchmark 4: one IORT ID walk ({@link Iort#mapId}, kernel: {@code iort_node_map_id()}) and one
 * VIOT look-up ({@link Viot#lookupPci}), on tables built with {@code mappings} ID mappings in the
 * root complex and {@code mappings} PCI range nodes in the VIOT. The ID looked up always matches
 * the mapping or range searched last (the worst case), so growth with {@code mappings} is the cost
 * of the linear scan both specifications prescribe.
 *
 * <ul>
 *   <li>{@link #iortToIommu}: root complex → SMMUv3 (one hop);
 *   <li>{@link #iortToMsi}: root complex → SMMUv3 → ITS group (two hops);
 *   <li>{@link #viotLookupPci}: last range wins, so the first range is the last one tried.
 * </ul>
 *
 * <p>Each invocation performs {@value #BATCH} look-ups (JMH divides the score accordingly), so that
 * {@link CpuCounters} can read the CPU clock around it without weighing on a 20 ns look-up.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class AcpiBenchmark {
  /** Look-ups per invocation. */
  public static final int BATCH = 1000;

  /** ID mappings in the IORT root complex, and PCI range nodes in the VIOT. */
  @Param({"1", "16", "256"})
  public int mappings;

  private @Nullable Iort iort;
  private @Nullable IortNode rootComplex;
  private @Nullable Viot viot;
  private long rid;
  private int bdf;

  /** Creates the state; JMH fills {@link #mappings}. */
  public AcpiBenchmark() {}

  /**
   * Builds and parses both tables, and checks that the look-ups succeed.
   *
   * @throws AcpiTableException if a built table does not parse (a bug)
   */
  @Setup(Level.Trial)
  public void build() throws AcpiTableException {
    IortBuilder b = new IortBuilder();
    int its = b.addItsGroup(1, List.of(0L));
    int smmu =
        b.addSmmuV3(
            4,
            0x9050000L,
            0,
            new long[] {1, 2, 3, 4},
            0,
            List.of(IortBuilder.Mapping.to(0, 0xffff, 0, its)));
    List<IortBuilder.Mapping> rcMaps = new ArrayList<>();
    for (int j = 0; j < mappings; j++) {
      rcMaps.add(IortBuilder.Mapping.to(j * 256L, 255, j * 256L, smmu));
    }
    int rc = b.addRootComplex(4, 0, 0, rcMaps);
    Iort table = Iort.parse(b.build());
    iort = table;
    IortNode start = table.nodes().get(rc);
    rootComplex = start;
    rid = (mappings - 1) * 256L + 7;
    checkReached(table.mapId(start, rid, IortTarget.IOMMU));
    checkReached(table.mapId(start, rid, IortTarget.MSI));

    ViotBuilder v = new ViotBuilder();
    int iommu = v.addVirtioPciIommu(0, 0x0008);
    for (int j = 0; j < mappings; j++) {
      v.addPciRange(j * 16L, 0, 0, 0x100 + j * 16, 0x100 + j * 16 + 15, iommu);
    }
    Viot parsed = Viot.parse(v.build());
    viot = parsed;
    bdf = 0x100 + 3;
    if (parsed.lookupPci(0, bdf) == null) {
      throw new IllegalStateException("VIOT look-up failed");
    }
  }

  private static void checkReached(IortWalkResult r) {
    if (!(r instanceof IortWalkResult.Reached)) {
      throw new IllegalStateException("IORT walk did not reach its target: " + r);
    }
  }

  /**
   * Walks from the root complex to the SMMU, {@value #BATCH} times.
   *
   * @param bh sink
   * @param cpu CPU time counters
   */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void iortToIommu(Blackhole bh, CpuCounters cpu) {
    walk(IortTarget.IOMMU, bh, cpu);
  }

  /**
   * Walks from the root complex through the SMMU to the ITS group, {@value #BATCH} times.
   *
   * @param bh sink
   * @param cpu CPU time counters
   */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void iortToMsi(Blackhole bh, CpuCounters cpu) {
    walk(IortTarget.MSI, bh, cpu);
  }

  private void walk(IortTarget target, Blackhole bh, CpuCounters cpu) {
    Iort table = java.util.Objects.requireNonNull(iort);
    IortNode start = java.util.Objects.requireNonNull(rootComplex);
    long t0 = CpuCounters.now();
    for (int i = 0; i < BATCH; i++) {
      bh.consume(table.mapId(start, rid, target));
    }
    cpu.add(t0, BATCH);
  }

  /**
   * Looks a PCI function up in the VIOT, {@value #BATCH} times.
   *
   * @param bh sink
   * @param cpu CPU time counters
   */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void viotLookupPci(Blackhole bh, CpuCounters cpu) {
    Viot table = java.util.Objects.requireNonNull(viot);
    long t0 = CpuCounters.now();
    for (int i = 0; i < BATCH; i++) {
      bh.consume(table.lookupPci(0, bdf));
    }
    cpu.add(t0, BATCH);
  }
}
