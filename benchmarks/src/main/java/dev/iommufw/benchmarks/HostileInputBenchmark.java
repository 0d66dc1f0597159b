package dev.iommufw.benchmarks;

import dev.iommufw.acpi.AcpiTableException;
import dev.iommufw.acpi.Iort;
import dev.iommufw.acpi.IortBuilder;
import dev.iommufw.acpi.IortBuilder.Mapping;
import dev.iommufw.acpi.IortNode;
import dev.iommufw.acpi.IortTarget;
import dev.iommufw.acpi.Viot;
import dev.iommufw.acpi.ViotBuilder;
import dev.iommufw.of.Fdt;
import dev.iommufw.of.FdtBuilder;
import dev.iommufw.of.FdtFormatException;
import dev.iommufw.of.FdtNode;
import dev.iommufw.of.OfIommus;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Issue 12, resource bounds: time (and, with {@code -prof gc}, bytes allocated per operation) of
 * the hostile input shapes that the {@code Hostile*Test} classes check for their outcome only. Each
 * answer must be linear in the input: a result or the typed error, no stack overflow, no allocation
 * sized by an unchecked field. Run with {@code java -jar benchmarks/target/benchmarks.jar
 * HostileInputBenchmark -prof gc}.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xss512k"})
@State(Scope.Benchmark)
public class HostileInputBenchmark {
  private static final long[] NO_GSIVS = {0, 0, 0, 0};
  private static final int UNKNOWN_TYPE = 0x7e;

  private byte[] deepDtb = new byte[0];
  private byte[] phandleDtb = new byte[0];
  private byte[] hugePropertyDtb = new byte[0];
  private byte[] wideIort = new byte[0];
  private byte[] chainIort = new byte[0];
  private byte[] ringIort = new byte[0];
  private byte[] overlapViot = new byte[0];

  /** Creates the state. */
  public HostileInputBenchmark() {}

  /** Builds the hostile inputs once. */
  @Setup(Level.Trial)
  public void build() {
    FdtBuilder deep = new FdtBuilder();
    deep.root().addChild("iommu").cells("#iommu-cells", 1).phandle(1);
    FdtBuilder.Node n = deep.root();
    for (int i = 0; i < 100_000; i++) {
      n = n.addChild("n");
    }
    n.cells("iommus", 1, 42);
    deepDtb = deep.build();

    FdtBuilder many = new FdtBuilder();
    FdtBuilder.Node bus = many.root().addChild("bus");
    int[] iommus = new int[1_000_000];
    for (int i = 0; i < iommus.length; i++) {
      bus.addChild("i").cells("#iommu-cells", 0).phandle(i + 1);
      iommus[i] = i + 1;
    }
    many.root().addChild("client").cells("iommus", iommus);
    phandleDtb = many.build();

    FdtBuilder huge = new FdtBuilder();
    huge.root().addChild("dev").cells("big", 0x5a5a5a5a);
    hugePropertyDtb = huge.build();
    ByteBuffer bb = ByteBuffer.wrap(hugePropertyDtb);
    for (int p = 0; p + 4 <= hugePropertyDtb.length; p += 4) {
      if (bb.getInt(p) == 0x5a5a5a5a) {
        bb.putInt(p - 8, 0xffff_ffff); // the property's len field claims 4 GiB
        break;
      }
    }

    IortBuilder wide = new IortBuilder();
    int its = wide.addItsGroup(1, List.of(0L));
    int smmu =
        wide.addSmmuV3(4, 0x2b40_0000L, 0, NO_GSIVS, 0, List.of(Mapping.to(0, 0xffff, 0, its)));
    for (int i = 2; i < 10_000; i++) {
      wide.addNamedComponent(2, "\\_SB_.D" + i, 0, List.of(Mapping.to(0, 0xff, i << 8, smmu)));
    }
    wideIort = wide.build();

    IortBuilder chain = new IortBuilder();
    for (int i = 0; i < 9_999; i++) {
      chain.addUnknown(UNKNOWN_TYPE, List.of(Mapping.to(0, 0xffff_ffffL, 1, i + 1)));
    }
    chain.addSmmuV3(4, 0x1000, 0, NO_GSIVS, 0, List.of());
    chainIort = chain.build();

    IortBuilder ring = new IortBuilder();
    for (int i = 0; i < 10_000; i++) {
      ring.addUnknown(UNKNOWN_TYPE, List.of(Mapping.to(0, 0xffff_ffffL, 0, (i + 1) % 10_000)));
    }
    ringIort = ring.build();

    ViotBuilder viot = new ViotBuilder();
    int pci = viot.addVirtioPciIommu(0, 8);
    int mmio = viot.addVirtioMmioIommu(0xa000_0000L);
    for (int i = 0; i < 2_000; i++) {
      viot.addPciRange((long) i << 12, 0, 3, 0, 0xffff, i % 2 == 0 ? pci : mmio);
    }
    overlapViot = viot.build();
  }

  /**
   * A DTB 10^5 nodes deep: parse, the deepest node's path and its {@code iommus}.
   *
   * @return the parsed list
   * @throws FdtFormatException never
   */
  @Benchmark
  public OfIommus dtbHundredThousandDeep() throws FdtFormatException {
    Fdt fdt = Fdt.parse(deepDtb);
    FdtNode deepest = fdt.nodes().get(fdt.nodeCount() - 1);
    String unused = deepest.path(); // walks the 100,000 parents once
    return OfIommus.parse(fdt, deepest);
  }

  /**
   * A DTB with 10^6 phandles and a client whose {@code iommus} lists all of them.
   *
   * @return the parsed list (10^6 entries)
   * @throws FdtFormatException never
   */
  @Benchmark
  public OfIommus dtbMillionPhandles() throws FdtFormatException {
    Fdt fdt = Fdt.parse(phandleDtb);
    return OfIommus.parse(fdt, Objects.requireNonNull(fdt.node("/client")));
  }

  /**
   * A DTB whose property claims 4 GiB: rejected before any allocation by that length.
   *
   * @return the error
   */
  @Benchmark
  public Object dtbPropertyClaimsFourGib() {
    try {
      return Fdt.parse(hugePropertyDtb);
    } catch (FdtFormatException e) {
      return e;
    }
  }

  /**
   * An IORT of 10^4 nodes: parse, then one ID walk from every named component.
   *
   * @param bh the sink
   * @throws AcpiTableException never
   */
  @Benchmark
  public void iortTenThousandNodes(Blackhole bh) throws AcpiTableException {
    Iort iort = Iort.parse(wideIort);
    for (IortNode node : iort.nodes()) {
      bh.consume(iort.mapId(node, 0x12, IortTarget.IOMMU));
    }
  }

  /**
   * An IORT whose 10^4 nodes form one mapping chain: {@code TOO_DEEP}.
   *
   * @return the error
   */
  @Benchmark
  public Object iortChainOfTenThousand() {
    try {
      return Iort.parse(chainIort);
    } catch (AcpiTableException e) {
      return e;
    }
  }

  /**
   * An IORT whose 10^4 nodes form one mapping cycle: {@code CYCLE}.
   *
   * @return the error
   */
  @Benchmark
  public Object iortCycleOfTenThousand() {
    try {
      return Iort.parse(ringIort);
    } catch (AcpiTableException e) {
      return e;
    }
  }

  /**
   * A VIOT of 2,000 overlapping PCI ranges (what u16 node offsets allow): parse and 256 look-ups.
   *
   * @param bh the sink
   * @throws AcpiTableException never
   */
  @Benchmark
  public void viotOverlappingRanges(Blackhole bh) throws AcpiTableException {
    Viot viot = Viot.parse(overlapViot);
    for (int bdf = 0; bdf < 0x10000; bdf += 0x100) {
      bh.consume(viot.lookupPci(3, bdf));
    }
  }
}
