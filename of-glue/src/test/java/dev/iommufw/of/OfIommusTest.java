package dev.iommufw.of;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iommufw.of.OfDiagnostic.Kind;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** {@code iommus} parsing, of-binding.md §3 and fwspec-report.md §3.3. */
class OfIommusTest {
  private static final int SMMU = 1;
  private static final int ZERO = 2;
  private static final int NOCELLS = 3;
  private static final int WIDE = 4;

  private static Fdt tree(Consumer<FdtBuilder.Node> c) throws Exception {
    FdtBuilder b = new FdtBuilder();
    b.root().addChild("smmu").cells("#iommu-cells", 1).phandle(SMMU);
    b.root().addChild("zero").cells("#iommu-cells", 0).phandle(ZERO);
    b.root().addChild("nocells").phandle(NOCELLS);
    b.root().addChild("wide").cells("#iommu-cells", 18).phandle(WIDE);
    FdtBuilder.Node dev = b.root().addChild("dev");
    c.accept(dev);
    return Fdt.parse(b.build());
  }

  private static OfIommus parse(Consumer<FdtBuilder.Node> c) throws Exception {
    Fdt fdt = tree(c);
    return OfIommus.parse(fdt, Trees.at(fdt, "/dev"));
  }

  @Test
  void absentAndEmpty() throws Exception {
    OfIommus absent = parse(d -> {});
    assertThat(absent.entries()).isEmpty();
    assertThat(absent.diagnostics()).isEmpty();
    OfIommus empty = parse(d -> d.empty("iommus"));
    assertThat(empty.entries()).isEmpty();
    assertThat(empty.diagnostics()).isEmpty();
  }

  @Test
  void wellFormedEntries() throws Exception {
    OfIommus r = parse(d -> d.cells("iommus", SMMU, 0x10, ZERO, SMMU, 0x20));
    assertThat(r.diagnostics()).isEmpty();
    assertThat(r.entries()).hasSize(3);
    assertThat(r.entries().get(0).args().asList()).containsExactly(0x10);
    assertThat(r.entries().get(0).target().path()).isEqualTo("/smmu");
    assertThat(r.entries().get(1).args().isEmpty()).isTrue();
    assertThat(r.entries().get(1).target().path()).isEqualTo("/zero");
    assertThat(r.entries().get(2).index()).isEqualTo(2);
    assertThat(r.entries().get(2).phandle()).isEqualTo(SMMU);
  }

  @Test
  void nullPhandleEndsTheList() throws Exception {
    OfIommus r = parse(d -> d.cells("iommus", SMMU, 1, 0, SMMU, 4));
    assertThat(r.entries()).hasSize(1);
    assertThat(r.diagnostics()).containsExactly(new OfDiagnostic(Kind.NULL_PHANDLE, 1));
  }

  @Test
  void danglingPhandle() throws Exception {
    OfIommus r = parse(d -> d.cells("iommus", SMMU, 1, 0xdead, 2, SMMU, 3));
    assertThat(r.entries()).hasSize(1);
    assertThat(r.diagnostics()).containsExactly(new OfDiagnostic(Kind.DANGLING_PHANDLE, 1));
    assertThat(r.diagnostics().get(0).code()).isEqualTo("dangling-phandle");
  }

  @Test
  void missingCells() throws Exception {
    OfIommus r = parse(d -> d.cells("iommus", NOCELLS, 6));
    assertThat(r.entries()).isEmpty();
    assertThat(r.diagnostics()).containsExactly(new OfDiagnostic(Kind.MISSING_IOMMU_CELLS, 0));
  }

  @Test
  void truncatedSpecifier() throws Exception {
    OfIommus r = parse(d -> d.cells("iommus", SMMU));
    assertThat(r.entries()).isEmpty();
    assertThat(r.diagnostics()).containsExactly(new OfDiagnostic(Kind.TRUNCATED_SPECIFIER, 0));
  }

  @Test
  void tooManyCellsKeepsTheEntry() throws Exception {
    int[] cells = new int[1 + 18 + 2];
    cells[0] = WIDE;
    for (int i = 1; i <= 18; i++) {
      cells[i] = i;
    }
    cells[19] = SMMU;
    cells[20] = 0x99;
    OfIommus r = parse(d -> d.cells("iommus", cells));
    assertThat(r.diagnostics()).containsExactly(new OfDiagnostic(Kind.TOO_MANY_CELLS, 0));
    assertThat(r.entries()).hasSize(2);
    assertThat(r.entries().get(0).args().length()).isEqualTo(18);
    assertThat(r.entries().get(0).specifier().length()).isEqualTo(16);
    assertThat(r.entries().get(0).specifier().get(15)).isEqualTo(16);
    assertThat(r.entries().get(1).args().asList()).containsExactly(0x99);
  }

  @Test
  void trailingBytesComeFirst() throws Exception {
    OfIommus r = parse(d -> d.bytes("iommus", new byte[] {0, 0, 0, SMMU, 0, 0, 0, 7, 0, 0}));
    assertThat(r.entries()).hasSize(1);
    assertThat(r.entries().get(0).args().asList()).containsExactly(7);
    assertThat(r.diagnostics()).containsExactly(new OfDiagnostic(Kind.TRAILING_BYTES, null));
  }

  @Test
  void corpusBadProps() throws Exception {
    Fdt fdt = Fdt.parse(FdtHeaderTest.resource("hm-bad-props.dtb"));
    OfIommus dangling = OfIommus.parse(fdt, Trees.at(fdt, "/dangling@1"));
    assertThat(dangling.entries()).hasSize(1);
    assertThat(dangling.diagnostics()).containsExactly(new OfDiagnostic(Kind.DANGLING_PHANDLE, 1));
    OfIommus missing = OfIommus.parse(fdt, Trees.at(fdt, "/missing@3"));
    assertThat(missing.diagnostics())
        .containsExactly(new OfDiagnostic(Kind.MISSING_IOMMU_CELLS, 1));
  }
}
