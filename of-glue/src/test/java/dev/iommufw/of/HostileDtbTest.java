package dev.iommufw.of;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iommufw.of.FdtFormatException.Problem;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * Resource bounds (issue 12): hostile DTB shapes are answered with a tree or {@link
 * FdtFormatException}, never a stack overflow, an allocation sized by an unchecked field, or a
 * hang. Outcomes only; time and memory are measured by {@code HostileInputBenchmark}.
 */
class HostileDtbTest {
  static final int DEEP = 100_000;
  static final int MANY = 1_000_000;

  /** A chain of {@code depth} nodes below the root, the deepest with an {@code iommus}. */
  static byte[] deepTree(int depth) {
    FdtBuilder b = new FdtBuilder();
    FdtBuilder.Node iommu = b.root().addChild("iommu").cells("#iommu-cells", 1).phandle(1);
    FdtBuilder.Node n = b.root();
    for (int i = 0; i < depth; i++) {
      n = n.addChild("n");
    }
    n.cells("iommus", 1, 42);
    assertThat(iommu.name()).isEqualTo("iommu");
    return b.build();
  }

  @Test
  void treeOneHundredThousandNodesDeep() throws FdtFormatException {
    Fdt fdt = Fdt.parse(deepTree(DEEP));

    assertThat(fdt.nodeCount()).isEqualTo(DEEP + 2);
    FdtNode deepest = fdt.nodes().get(fdt.nodeCount() - 1);
    assertThat(deepest.depth()).isEqualTo(DEEP);
    assertThat(deepest.path()).hasSize(2 * DEEP).startsWith("/n/n/").endsWith("/n");
    assertThat(fdt.descendants(fdt.root())).hasSize(DEEP + 1);
    OfIommus iommus = OfIommus.parse(fdt, deepest);
    assertThat(iommus.diagnostics()).isEmpty();
    assertThat(iommus.entries())
        .singleElement()
        .satisfies(e -> assertThat(e.args().asList()).containsExactly(42));
  }

  @Test
  void deepTreeWithoutItsEndNodesIsRejected() {
    // Cut the structure block just after the innermost BEGIN_NODE; the blob stays well-sized.
    byte[] blob = deepTree(DEEP);
    ByteBuffer bb = ByteBuffer.wrap(blob);
    int structOff = bb.getInt(8);
    int structSize = bb.getInt(36);
    // Overwrite the tail of the structure block with NOPs and a lone END token.
    int end = structOff + structSize;
    for (int p = structOff + structSize / 2 & ~3; p < end - 4; p += 4) {
      bb.putInt(p, FdtParser.FDT_NOP);
    }
    bb.putInt(end - 4, FdtParser.FDT_END);

    assertThatThrownBy(() -> Fdt.parse(blob))
        .isInstanceOfSatisfying(
            FdtFormatException.class,
            e -> assertThat(e.problem()).isEqualTo(Problem.BAD_STRUCTURE));
  }

  /** {@code count} IOMMU nodes with phandles 1..count and a client naming all of them. */
  static byte[] manyPhandles(int count) {
    FdtBuilder b = new FdtBuilder();
    FdtBuilder.Node bus = b.root().addChild("bus");
    int[] iommus = new int[count];
    for (int i = 0; i < count; i++) {
      bus.addChild("i").cells("#iommu-cells", 0).phandle(i + 1);
      iommus[i] = i + 1;
    }
    b.root().addChild("client").cells("iommus", iommus);
    return b.build();
  }

  @Test
  void oneMillionPhandlesAndAnIommusListOfOneMillionEntries() throws FdtFormatException {
    Fdt fdt = Fdt.parse(manyPhandles(MANY));

    assertThat(fdt.nodeCount()).isEqualTo(MANY + 3);
    FdtNode bus = requireNonNull(fdt.node("/bus"));
    assertThat(bus.children()).hasSize(MANY);
    assertThat(fdt.nodeByPhandle(1)).isSameAs(bus.children().get(0));
    assertThat(fdt.nodeByPhandle(MANY)).isSameAs(bus.children().get(MANY - 1));
    assertThat(fdt.nodeByPhandle(MANY + 1)).isNull();
    FdtNode client = requireNonNull(fdt.node("/client"));
    OfIommus iommus = OfIommus.parse(fdt, client);
    assertThat(iommus.diagnostics()).isEmpty();
    assertThat(iommus.entries()).hasSize(MANY);
    assertThat(iommus.entries().get(MANY - 1).target()).isSameAs(bus.children().get(MANY - 1));
  }

  @Test
  void iommusListOfOneMillionEntriesWithArguments() throws FdtFormatException {
    FdtBuilder b = new FdtBuilder();
    b.root().addChild("iommu").cells("#iommu-cells", 2).phandle(7);
    int[] cells = new int[3 * MANY];
    for (int i = 0; i < MANY; i++) {
      cells[3 * i] = 7;
      cells[3 * i + 1] = i;
      cells[3 * i + 2] = ~i;
    }
    cells[3 * MANY - 1] = 0; // keeps the count exact; the last entry is still whole
    b.root().addChild("client").cells("iommus", cells);
    Fdt fdt = Fdt.parse(b.build());
    FdtNode client = requireNonNull(fdt.node("/client"));

    OfIommus iommus = OfIommus.parse(fdt, client);

    assertThat(iommus.diagnostics()).isEmpty();
    assertThat(iommus.entries()).hasSize(MANY);
    assertThat(iommus.entries().get(12345).args().asList()).containsExactly(12345, ~12345);
  }

  /** A small tree whose property {@code big} has the 4-byte value {@code 0x5a5a5a5a}. */
  private static byte[] withMarkedProperty() {
    FdtBuilder b = new FdtBuilder();
    b.root().addChild("dev").cells("big", 0x5a5a5a5a);
    return b.build();
  }

  private static int markerLengthField(byte[] blob) {
    ByteBuffer bb = ByteBuffer.wrap(blob);
    for (int p = 0; p + 4 <= blob.length; p += 4) {
      if (bb.getInt(p) == 0x5a5a5a5a) {
        return p - 8; // FDT_PROP, len, nameoff, value
      }
    }
    throw new AssertionError("marker not found");
  }

  private static Problem problemOf(byte[] blob) {
    try {
      var unused = Fdt.parse(blob);
    } catch (FdtFormatException e) {
      return e.problem();
    }
    throw new AssertionError("parsed");
  }

  @Test
  void propertyThatClaimsFourGib() {
    for (int len : new int[] {0xffff_ffff, 0xffff_fff0, 0x8000_0000, 0x7fff_ffff}) {
      byte[] blob = withMarkedProperty();
      ByteBuffer.wrap(blob).putInt(markerLengthField(blob), len);
      assertThat(problemOf(blob)).as("len %x", len).isEqualTo(Problem.BAD_STRUCTURE);
    }
  }

  @Test
  void headerFieldsThatClaimFourGib() {
    // totalsize, off_dt_struct, off_dt_strings, off_mem_rsvmap, size_dt_strings, size_dt_struct
    int[] fields = {4, 8, 12, 16, 32, 36};
    for (int field : fields) {
      for (int v : new int[] {0xffff_ffff, 0xffff_fff0, 0x8000_0000}) {
        byte[] blob = withMarkedProperty();
        ByteBuffer.wrap(blob).putInt(field, v);
        assertThat(problemOf(blob)).as("field %d = %x", field, v).isNotNull();
      }
    }
    byte[] blob = withMarkedProperty();
    ByteBuffer.wrap(blob).putInt(4, 0xffff_ffff);
    assertThat(problemOf(blob)).isEqualTo(Problem.TRUNCATED);
  }

  @Test
  void propertyNameOffsetThatClaimsFourGib() {
    byte[] blob = withMarkedProperty();
    ByteBuffer.wrap(blob).putInt(markerLengthField(blob) + 4, 0xffff_ffff);
    assertThat(problemOf(blob)).isEqualTo(Problem.BAD_STRUCTURE);
  }

  @Test
  void iommuMapThatClaimsManyEntriesIsBoundedByItsLength() throws FdtFormatException {
    FdtBuilder b = new FdtBuilder();
    b.root().addChild("iommu").cells("#iommu-cells", 1).phandle(3);
    int[] map = new int[4 * MANY / 4];
    for (int k = 0; k < MANY / 4; k++) {
      map[4 * k] = k << 4;
      map[4 * k + 1] = 3;
      map[4 * k + 2] = k;
      map[4 * k + 3] = 16;
    }
    b.root().addChild("pcie").cells("iommu-map", map);
    Fdt fdt = Fdt.parse(b.build());
    FdtNode pcie = requireNonNull(fdt.node("/pcie"));

    IommuMap m = IommuMap.parse(fdt, pcie);

    assertThat(m.entries()).hasSize(MANY / 4);
    assertThat(m.mapId(((MANY / 4 - 1) << 4) + 5))
        .isInstanceOfSatisfying(
            MapResult.Mapped.class, r -> assertThat(r.outId()).isEqualTo(MANY / 4 - 1 + 5));
  }
}
