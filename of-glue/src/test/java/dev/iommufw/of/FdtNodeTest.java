package dev.iommufw.of;

import static org.assertj.core.api.Assertions.assertThat;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** Node terms of {@code fwspec-report.md} §3.2: status, availability, compatible, phandles. */
class FdtNodeTest {
  private static FdtNode withStatus(byte @Nullable [] status) throws Exception {
    FdtBuilder b = new FdtBuilder();
    FdtBuilder.Node n = b.root().addChild("n");
    if (status != null) {
      n.bytes("status", status);
    }
    return Trees.at(Fdt.parse(b.build()), "/n");
  }

  private static byte[] s(String v) {
    return v.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
  }

  @Test
  void availability() throws Exception {
    assertThat(withStatus(null).isAvailable()).isTrue();
    assertThat(withStatus(null).status()).isNull();
    assertThat(withStatus(s("okay\0")).isAvailable()).isTrue();
    assertThat(withStatus(s("ok\0")).isAvailable()).isTrue();
    assertThat(withStatus(s("ok\0junk")).isAvailable()).isTrue();
    assertThat(withStatus(s("okay\0")).status()).isEqualTo("okay");
    assertThat(withStatus(s("disabled\0")).isAvailable()).isFalse();
    assertThat(withStatus(s("reserved\0")).isAvailable()).isFalse();
    assertThat(withStatus(s("OKAY\0")).isAvailable()).isFalse();
    assertThat(withStatus(s("okay \0")).isAvailable()).isFalse();
    assertThat(withStatus(s("\0")).isAvailable()).isFalse();
    assertThat(withStatus(s("")).isAvailable()).isFalse();
    assertThat(withStatus(s("")).status()).isEmpty();
    // No NUL at all: not available, and the status is the whole value.
    assertThat(withStatus(s("okay")).isAvailable()).isFalse();
    assertThat(withStatus(s("okay")).status()).isEqualTo("okay");
  }

  @Test
  void compatibleAndStrings() throws Exception {
    FdtBuilder b = new FdtBuilder();
    b.root().addChild("a").strings("compatible", "x,one", "x,two");
    b.root().addChild("b").bytes("compatible", s("x\0\0y"));
    b.root().addChild("c").bytes("compatible", s("x\0y"));
    b.root().addChild("d").bytes("compatible", s("\u00e9\0"));
    b.root().addChild("e");
    Fdt fdt = Fdt.parse(b.build());
    assertThat(Trees.at(fdt, "/a").compatible()).containsExactly("x,one", "x,two");
    assertThat(Trees.at(fdt, "/b").compatible()).containsExactly("x", "", "y");
    assertThat(Trees.at(fdt, "/c").compatible()).containsExactly("x", "y");
    assertThat(Trees.at(fdt, "/d").compatible()).containsExactly("\u00e9");
    assertThat(Trees.at(fdt, "/e").compatible()).isEmpty();
  }

  @Test
  void phandlesAndU32() throws Exception {
    FdtBuilder b = new FdtBuilder();
    b.root().addChild("legacy").cells("linux,phandle", 3);
    b.root().addChild("both").cells("linux,phandle", 4).cells("phandle", 5);
    b.root().addChild("short").bytes("phandle", new byte[] {0, 6}).cells("linux,phandle", 6);
    b.root().addChild("dup").phandle(5);
    b.root().addChild("zero").phandle(0);
    b.root().addChild("ones").phandle(-1);
    b.root().addChild("u").bytes("x", new byte[] {0, 0, 1}).cells("y", 7, 8);
    Fdt fdt = Fdt.parse(b.build());
    assertThat(fdt.nodeByPhandle(3)).isSameAs(Trees.at(fdt, "/legacy"));
    assertThat(Trees.at(fdt, "/both").phandle()).hasValue(5);
    assertThat(fdt.nodeByPhandle(4)).isNull();
    assertThat(fdt.nodeByPhandle(5)).isSameAs(Trees.at(fdt, "/both"));
    assertThat(fdt.nodeByPhandle(6)).isSameAs(Trees.at(fdt, "/short"));
    assertThat(Trees.at(fdt, "/zero").phandle()).hasValue(0);
    assertThat(fdt.nodeByPhandle(0)).isNull();
    assertThat(fdt.nodeByPhandle(-1)).isNull();
    FdtNode u = Trees.at(fdt, "/u");
    assertThat(u.u32("x")).isEmpty();
    assertThat(u.u32("y")).hasValue(7);
    assertThat(u.u32("z")).isEmpty();
    assertThat(Trees.prop(u, "x").hasTrailingBytes()).isTrue();
    assertThat(Trees.prop(u, "x").cells()).isEmpty();
    assertThat(Trees.prop(u, "y").cells()).containsExactly(7, 8);
    assertThat(fdt.root().addressCells()).isEqualTo(2);
    assertThat(fdt.root().sizeCells()).isEqualTo(1);
  }

  @Test
  void pathsAndLookup() throws Exception {
    FdtBuilder b = new FdtBuilder();
    FdtBuilder.Node soc = b.root().addChild("soc");
    soc.addChild("iommu@1000").addChild("leaf");
    soc.addChild("dev@2000");
    Fdt fdt = Fdt.parse(b.build());
    assertThat(fdt.nodes())
        .extracting(FdtNode::path)
        .containsExactly("/", "/soc", "/soc/iommu@1000", "/soc/iommu@1000/leaf", "/soc/dev@2000");
    assertThat(Trees.at(fdt, "/")).isSameAs(fdt.root());
    assertThat(Trees.at(fdt, "/soc/iommu@1000/leaf").parent())
        .isSameAs(Trees.at(fdt, "/soc/iommu@1000"));
    assertThat(fdt.node("/soc/iommu")).isNull();
    assertThat(fdt.node("soc")).isNull();
    assertThat(fdt.node("/soc//dev@2000")).isNull();
    assertThat(fdt.descendants(Trees.at(fdt, "/soc"))).hasSize(3);
    assertThat(fdt.descendants(Trees.at(fdt, "/soc/dev@2000"))).isEmpty();
  }
}
