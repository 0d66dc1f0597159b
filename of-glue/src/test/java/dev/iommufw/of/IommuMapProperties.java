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

/** {@link IommuMap#mapId(int)} against a tiny reference model in 64-bit arithmetic. */
class IommuMapProperties {
  private static final long U32 = 0xffffffffL;

  /** Interesting u32 values: boundaries plus a small neighbourhood of typical IDs. */
  static Gen<Integer> u32s() {
    return Generate.oneOf(
        Generate.pick(
            List.of(
                0,
                1,
                7,
                8,
                0xf,
                0x10,
                0xff,
                0x100,
                0xfff8,
                0xffff,
                0x10000,
                0xffff0000,
                0xfffffff0,
                0xffffffff)),
        integers().between(0, 0x120),
        integers().all());
  }

  static Gen<Integer> phandles() {
    return Generate.pick(List.of(1, 2, 0, 0xbeef));
  }

  static Gen<int[]> tuples() {
    return u32s().zip(phandles(), u32s(), u32s(), (b, p, o, l) -> new int[] {b, p, o, l});
  }

  static Gen<@Nullable Integer> masks() {
    return Generate.oneOf(
        Generate.constant((Integer) null),
        Generate.pick(List.of(0xffffffff, 0xfff8, 0xff00, 0xff, 0)),
        integers().all());
  }

  @Test
  void mapIdAgreesWithTheModel() {
    qt().withExamples(Tries.scaled(2000))
        .forAll(lists().of(tuples()).ofSizeBetween(0, 5), masks(), u32s())
        .checkAssert(IommuMapProperties::check);
  }

  private static void check(List<int[]> tuples, @Nullable Integer mask, int id) {
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
    assertThat(map.mapId(id)).isEqualTo(model(fdt, cells, mask, id));
  }

  /** The reference: of-binding.md §4 steps 2–6, in long arithmetic. */
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
