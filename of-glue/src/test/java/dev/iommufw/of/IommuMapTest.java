package dev.iommufw.of;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code iommu-map} look-ups, of-binding.md §4. */
class IommuMapTest {
  private static final int SMMU = 1;
  private static final int OTHER = 2;

  private static Fdt tree(java.util.function.Consumer<FdtBuilder.Node> host) throws Exception {
    FdtBuilder b = new FdtBuilder();
    b.root().addChild("smmu").cells("#iommu-cells", 1).phandle(SMMU);
    b.root().addChild("other").cells("#iommu-cells", 1).phandle(OTHER);
    host.accept(b.root().addChild("pcie"));
    return Fdt.parse(b.build());
  }

  private static IommuMap map(java.util.function.Consumer<FdtBuilder.Node> host) throws Exception {
    Fdt fdt = tree(host);
    return IommuMap.parse(fdt, Trees.at(fdt, "/pcie"));
  }

  @Test
  void noProperty() throws Exception {
    IommuMap m = map(h -> {});
    assertThat(m.isPresent()).isFalse();
    assertThat(m.mapId(0x10)).isEqualTo(new MapResult.Failed(OfError.ENODEV, null));
  }

  @Test
  void badLength() throws Exception {
    IommuMap empty = map(h -> h.empty("iommu-map"));
    assertThat(empty.hasBadLength()).isTrue();
    assertThat(empty.entries()).isEmpty();
    assertThat(empty.mapId(0)).isEqualTo(new MapResult.Failed(OfError.EINVAL, null));
    IommuMap three = map(h -> h.cells("iommu-map", 0, SMMU, 0));
    assertThat(three.hasBadLength()).isTrue();
    assertThat(three.mapId(0)).isEqualTo(new MapResult.Failed(OfError.EINVAL, null));
  }

  @Test
  void simpleMatchAndNoMatch() throws Exception {
    Fdt fdt = tree(h -> h.cells("iommu-map", 0x0, SMMU, 0x1000, 0x10, 0x11, SMMU, 0x11, 0xffef));
    IommuMap m = IommuMap.parse(fdt, Trees.at(fdt, "/pcie"));
    assertThat(m.mask()).isEqualTo(0xffffffff);
    assertThat(m.entries()).hasSize(2);
    assertThat(m.entries().get(0).iommu()).isSameAs(Trees.at(fdt, "/smmu"));
    assertThat(m.mapId(0x8)).isEqualTo(new MapResult.Mapped(0, Trees.at(fdt, "/smmu"), 0x1008));
    assertThat(m.mapId(0x10)).isEqualTo(new MapResult.NoMatch(0x10));
    assertThat(m.mapId(0x18)).isEqualTo(new MapResult.Mapped(1, Trees.at(fdt, "/smmu"), 0x18));
    assertThat(m.mapId(0x10000)).isEqualTo(new MapResult.NoMatch(0x10000));
  }

  @Test
  void maskAppliesToInputOnlyAndNoMatchReturnsUnmaskedId() throws Exception {
    Fdt fdt =
        tree(h -> h.cells("iommu-map-mask", 0xfff8).cells("iommu-map", 0x8, SMMU, 0x100, 0x8));
    IommuMap m = IommuMap.parse(fdt, Trees.at(fdt, "/pcie"));
    assertThat(m.mask()).isEqualTo(0xfff8);
    assertThat(m.mapId(0x1000f)).isEqualTo(new MapResult.Mapped(0, Trees.at(fdt, "/smmu"), 0x100));
    assertThat(m.mapId(0x17)).isEqualTo(new MapResult.NoMatch(0x17));
  }

  @Test
  void shortMaskMeansAllBits() throws Exception {
    IommuMap m =
        map(
            h ->
                h.bytes("iommu-map-mask", new byte[] {0, (byte) 0xff})
                    .cells("iommu-map", 0, SMMU, 0, 0x100));
    assertThat(m.mask()).isEqualTo(0xffffffff);
  }

  @Test
  void zeroLengthMatchesNothing() throws Exception {
    IommuMap m = map(h -> h.cells("iommu-map", 0x100, SMMU, 0x100, 0));
    assertThat(m.mapId(0x100)).isEqualTo(new MapResult.NoMatch(0x100));
  }

  @Test
  void wrappingEndMatchesNothingAndOutputWraps() throws Exception {
    Fdt fdt =
        tree(
            h ->
                h.cells("iommu-map", 0xffff0000, SMMU, 0, 0x10000, 0x200, SMMU, 0xfffffff0, 0x100));
    IommuMap m = IommuMap.parse(fdt, Trees.at(fdt, "/pcie"));
    assertThat(m.mapId(0xffff0000)).isEqualTo(new MapResult.NoMatch(0xffff0000));
    assertThat(m.mapId(0xffffffff)).isEqualTo(new MapResult.NoMatch(0xffffffff));
    assertThat(m.mapId(0x2ff)).isEqualTo(new MapResult.Mapped(1, Trees.at(fdt, "/smmu"), 0xef));
  }

  @Test
  void baseOutsideMaskIsCheckedPerTupleBeforeTheRange() throws Exception {
    Fdt fdt =
        tree(
            h ->
                h.cells("iommu-map-mask", 0xff00)
                    .cells("iommu-map", 0x0, SMMU, 0x0, 0x100, 0x1, SMMU, 0x0, 0x100));
    IommuMap m = IommuMap.parse(fdt, Trees.at(fdt, "/pcie"));
    // 0x10 masks to 0x0: the first tuple matches before the bad one is seen.
    assertThat(m.mapId(0x10)).isEqualTo(new MapResult.Mapped(0, Trees.at(fdt, "/smmu"), 0x0));
    // 0x100 does not match tuple 0; tuple 1's base 0x1 lies outside the mask.
    assertThat(m.mapId(0x100)).isEqualTo(new MapResult.Failed(OfError.EFAULT, 1));
    IommuMap first =
        map(
            h ->
                h.cells("iommu-map-mask", 0xff)
                    .cells("iommu-map", 0x100, SMMU, 0, 1, 0, SMMU, 0, 0x100));
    assertThat(first.mapId(0)).isEqualTo(new MapResult.Failed(OfError.EFAULT, 0));
  }

  @Test
  void danglingPhandleInTheMatchingTupleEndsTheLookUp() throws Exception {
    Fdt fdt = tree(h -> h.cells("iommu-map", 0, 0xbeef, 0x40, 0x10, 0, SMMU, 0, 0x10));
    IommuMap m = IommuMap.parse(fdt, Trees.at(fdt, "/pcie"));
    assertThat(m.entries().get(0).iommu()).isNull();
    assertThat(m.mapId(0x4)).isEqualTo(new MapResult.Mapped(0, null, 0x44));
    assertThat(m.mapId(0x4, Trees.at(fdt, "/smmu"))).isEqualTo(new MapResult.Mapped(0, null, 0x44));
  }

  @Test
  void fixedTargetSkipsOtherNodes() throws Exception {
    Fdt fdt = tree(h -> h.cells("iommu-map", 0, OTHER, 0x100, 0x10, 0, SMMU, 0x200, 0x10));
    IommuMap m = IommuMap.parse(fdt, Trees.at(fdt, "/pcie"));
    assertThat(m.mapId(1)).isEqualTo(new MapResult.Mapped(0, Trees.at(fdt, "/other"), 0x101));
    assertThat(m.mapId(1, Trees.at(fdt, "/smmu")))
        .isEqualTo(new MapResult.Mapped(1, Trees.at(fdt, "/smmu"), 0x201));
    assertThat(m.mapId(0x20, Trees.at(fdt, "/smmu"))).isEqualTo(new MapResult.NoMatch(0x20));
  }
}
