package dev.iommufw.of;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import dev.iommufw.core.testing.Tries;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * Damaged real blobs never make the parser (or the binding parsers on what it accepts) throw
 * anything but {@link FdtFormatException}. A hang would show up as a test timeout of the build.
 */
class FdtCorruptionProperties {
  private static final List<String> SMALL =
      List.of(
          "hm-bad-props.dtb", "hm-disabled.dtb", "sun50i-h6-pine-h64.dtb", "fsl-ls1088a-rdb.dtb");
  private static final String LARGE = "qemu-virt-viommu-slot3.dtb";

  private static byte[] load(String name) {
    try {
      return FdtHeaderTest.resource(name);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** One damage: 0 truncate, 1 flip a byte, 2 overwrite a header field, 3 overwrite a word. */
  record Damage(int kind, int where, int value) {}

  static Gen<Damage> damages() {
    return integers().between(0, 3).zip(integers().allPositive(), integers().all(), Damage::new);
  }

  static byte[] apply(byte[] original, List<Damage> damages) {
    byte[] b = original.clone();
    for (Damage d : damages) {
      int n = b.length;
      if (n == 0) {
        break;
      }
      switch (d.kind()) {
        case 0 -> b = java.util.Arrays.copyOf(b, d.where() % n);
        case 1 -> b[d.where() % n] ^= (byte) (1 + (d.value() & 0x7f));
        case 2 -> {
          int field = 4 * (1 + d.where() % 9); // totalsize .. size_dt_struct
          int value = (d.value() & 1) == 0 ? d.value() : d.value() % (n + 64);
          putInt(b, field, value);
        }
        default -> putInt(b, (d.where() % n) & ~3, d.value() % 20);
      }
    }
    return b;
  }

  private static void putInt(byte[] b, int off, int v) {
    if (off + 4 <= b.length) {
      b[off] = (byte) (v >>> 24);
      b[off + 1] = (byte) (v >>> 16);
      b[off + 2] = (byte) (v >>> 8);
      b[off + 3] = (byte) v;
    }
  }

  /** Parses and, when accepted, exercises every accessor the report uses. */
  @SuppressWarnings("CheckReturnValue") // calls every accessor only for the exceptions it may throw
  static void parseFully(byte[] blob) {
    Fdt fdt;
    try {
      fdt = Fdt.parse(blob);
    } catch (FdtFormatException expected) {
      return;
    }
    for (FdtNode node : fdt.nodes()) {
      node.path();
      node.status();
      node.isAvailable();
      node.compatible();
      node.phandle();
      for (FdtProperty p : node.properties()) {
        p.cells();
        p.strings();
      }
      OfIommus.parse(fdt, node);
      IommuMap map = IommuMap.parse(fdt, node);
      map.mapId(0x10);
      fdt.descendants(node);
    }
  }

  @Test
  void damagedSmallBlobsOnlyThrowFdtFormatException() {
    qt().withExamples(Tries.scaled(1500))
        .forAll(Generate.pick(SMALL), lists().of(damages()).ofSizeBetween(1, 6))
        .checkAssert((name, damages) -> parseFully(apply(load(name), damages)));
  }

  @Test
  void damagedLargeBlobOnlyThrowsFdtFormatException() {
    byte[] large = load(LARGE);
    qt().withExamples(Tries.scaled(100))
        .forAll(lists().of(damages()).ofSizeBetween(1, 4))
        .checkAssert(damages -> parseFully(apply(large, damages)));
  }

  @Test
  void everyStrictPrefixOfASmallBlobIsRejectedAsTruncatedOrUnsigned() throws FdtFormatException {
    byte[] blob = load("hm-bad-props.dtb");
    assertThat(blob.length).isGreaterThan(40);
    assertThat(Fdt.parse(blob).nodes())
        .isNotEmpty(); // the whole blob is well formed (its properties are bad)
    for (int n = 0; n < blob.length; n++) {
      byte[] prefix = java.util.Arrays.copyOf(blob, n);
      // the magic needs 4 bytes, the header 40, and the header's totalsize the whole blob
      FdtFormatException.Problem problem =
          n < 4 ? FdtFormatException.Problem.BAD_SIGNATURE : FdtFormatException.Problem.TRUNCATED;
      long offset = n < 4 ? 0 : n < 40 ? n : 4;
      assertThatThrownBy(() -> Fdt.parse(prefix))
          .as("prefix of %d of %d bytes", n, blob.length)
          .isInstanceOfSatisfying(
              FdtFormatException.class,
              e -> {
                assertThat(e.problem()).isEqualTo(problem);
                assertThat(e.offset()).isEqualTo(offset);
              });
    }
  }
}
