package dev.iommufw.of;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * A property is a value: equality, hash code, bytes and text agree whether the property was made
 * with {@link FdtProperty#of} or read as a slice of a parsed blob (a non-zero offset).
 */
class FdtPropertyValueTest {
  private static FdtProperty parsed(String name, int... cells) throws FdtFormatException {
    FdtBuilder b = new FdtBuilder();
    b.root().cells("#address-cells", 2).addChild("n@1").cells(name, cells);
    FdtNode n =
        Fdt.parse(b.build()).nodes().stream()
            .filter(x -> x.name().equals("n@1"))
            .findFirst()
            .orElseThrow();
    return java.util.Objects.requireNonNull(n.property(name));
  }

  private static byte[] bytes(int... cells) {
    java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(4 * cells.length);
    for (int c : cells) {
      buf.putInt(c);
    }
    return buf.array();
  }

  @Test
  void byteAtReadsUnsignedBytesOfTheSlice() throws FdtFormatException {
    FdtProperty p = parsed("reg", 0x0180ff7f, 0x00000002);
    int[] expected = {0x01, 0x80, 0xff, 0x7f, 0, 0, 0, 2};
    for (int i = 0; i < expected.length; i++) {
      assertThat(p.byteAt(i)).as("byte %d", i).isEqualTo(expected[i]);
    }
    assertThat(FdtProperty.of("x", new byte[] {(byte) 0xfe}).byteAt(0)).isEqualTo(0xfe);
  }

  @Test
  void equalityAndHashFollowNameAndBytesWhereverTheyLive() throws FdtFormatException {
    FdtProperty slice = parsed("reg", 0x10, 0x20);
    FdtProperty made = FdtProperty.of("reg", bytes(0x10, 0x20));

    assertThat(slice).isEqualTo(made);
    assertThat(made).isEqualTo(slice);
    assertThat(slice.hashCode()).isEqualTo(made.hashCode());
    assertThat(slice).isNotEqualTo(FdtProperty.of("ranges", bytes(0x10, 0x20)));
    assertThat(slice).isNotEqualTo(FdtProperty.of("reg", bytes(0x10, 0x21)));
    assertThat(slice).isNotEqualTo(FdtProperty.of("reg", bytes(0x10)));
    assertThat(slice).isNotEqualTo(FdtProperty.of("reg", bytes(0x10, 0x20, 0x30)));
    assertThat(slice).isNotEqualTo("reg");
    assertThat(made.hashCode()).isNotEqualTo(FdtProperty.of("reg", bytes(0x10, 0x21)).hashCode());
    assertThat(made.hashCode()).isNotEqualTo(FdtProperty.of("reg", bytes(0x10)).hashCode());
    assertThat(made.hashCode()).isNotEqualTo("reg".hashCode());
  }

  @Test
  void textNamesThePropertyAndItsLength() throws FdtFormatException {
    assertThat(parsed("reg", 1, 2, 3).toString()).isEqualTo("reg[12 bytes]");
  }
}
