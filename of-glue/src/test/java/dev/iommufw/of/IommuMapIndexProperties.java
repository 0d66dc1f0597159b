package dev.iommufw.of;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import dev.iommufw.core.testing.Tries;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * The indexed look-up of long maps (more than {@link IommuMap#INDEX_THRESHOLD} tuples, issue 12)
 * against the linear reference scan: small ID spaces so that tuples overlap, nest, wrap and share
 * bounds, and masks that make some {@code rid-base} fail the mask check.
 */
class IommuMapIndexProperties {
  private static final long U32 = 0xffffffffL;

  static Gen<Integer> ids() {
    return Generate.oneOf(
        integers().between(0, 0x40),
        Generate.pick(List.of(0xfffffff0, 0xffffffff, 0x80000000)),
        integers().all());
  }

  static Gen<int[]> tuples() {
    return ids()
        .zip(
            Generate.pick(List.of(1, 2, 0, 0xbeef)),
            ids(),
            Generate.oneOf(integers().between(0, 0x20), ids()),
            (b, p, o, l) -> new int[] {b, p, o, l});
  }

  static Gen<@Nullable Integer> masks() {
    return Generate.oneOf(
        Generate.constant((Integer) null),
        Generate.pick(List.of(0xffffffff, 0x3f, 0x1f, 0xff00, 0)));
  }

  @Test
  void indexedLookUpAgreesWithTheLinearScan() {
    qt().withExamples(Tries.scaled(400))
        .forAll(
            lists().of(tuples()).ofSizeBetween(IommuMap.INDEX_THRESHOLD + 1, 80),
            masks(),
            lists().of(ids()).ofSize(40))
        .checkAssert(IommuMapIndexProperties::check);
  }

  @Test
  void lengthsUpToTheThresholdUseTheScanAndAgreeToo() {
    qt().withExamples(Tries.scaled(200))
        .forAll(
            lists().of(tuples()).ofSizeBetween(0, IommuMap.INDEX_THRESHOLD),
            masks(),
            lists().of(ids()).ofSize(20))
        .checkAssert(IommuMapIndexProperties::check);
  }

  private static void check(List<int[]> tuples, @Nullable Integer mask, List<Integer> ids) {
    FdtBuilder b = new FdtBuilder();
    b.root().addChild("a").phandle(1);
    b.root().addChild("b").phandle(2);
    FdtBuilder.Node host = b.root().addChild("host");
    int[] cells = new int[4 * tuples.size()];
    for (int k = 0; k < tuples.size(); k++) {
      System.arraycopy(tuples.get(k), 0, cells, 4 * k, 4);
    }
    host.cells("iommu-map", cells);
    if (mask != null) {
      host.cells("iommu-map-mask", mask);
    }
    Fdt fdt;
    try {
      fdt = Fdt.parse(b.build());
    } catch (FdtFormatException e) {
      throw new AssertionError(e);
    }
    IommuMap map = IommuMap.parse(fdt, Trees.at(fdt, "/host"));
    for (int id : ids) {
      assertThat(map.mapId(id)).as("id %x", id).isEqualTo(model(fdt, cells, mask, id));
      // every tuple bound, so that interval edges are hit
      for (int k = 0; k < tuples.size(); k += 7) {
        int base = cells[4 * k];
        for (int probe :
            new int[] {base - 1, base, base + cells[4 * k + 3] - 1, base + cells[4 * k + 3]}) {
          assertThat(map.mapId(probe))
              .as("probe %x", probe)
              .isEqualTo(model(fdt, cells, mask, probe));
        }
      }
    }
  }

  /** The reference: of-binding.md §4 steps 2–6, a linear scan in long arithmetic. */
  private static MapResult model(Fdt fdt, int[] cells, @Nullable Integer maskCell, int id) {
    if (cells.length == 0) {
      return new MapResult.Failed(OfError.EINVAL, null);
    }
    long mask = maskCell == null ? U32 : maskCell & U32;
    long masked = (id & U32) & mask;
    for (int k = 0; 4 * k < cells.length; k++) {
      long base = cells[4 * k] & U32;
      long out = cells[4 * k + 2] & U32;
      long length = cells[4 * k + 3] & U32;
      if ((base & ~mask & U32) != 0) {
        return new MapResult.Failed(OfError.EFAULT, k);
      }
      long end = (base + length) & U32;
      if (masked < base || masked >= end) {
        continue;
      }
      int phandle = cells[4 * k + 1];
      FdtNode node = phandle == 1 ? fdt.node("/a") : phandle == 2 ? fdt.node("/b") : null;
      return new MapResult.Mapped(k, node, (int) ((masked - base + out) & U32));
    }
    return new MapResult.NoMatch(id);
  }
}
