package dev.iommufw.of;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iommufw.of.FdtFormatException.Problem;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Blob checks of {@code fwspec-report.md} §3.1, one category at a time. */
class FdtHeaderTest {
  static byte[] resource(String name) throws Exception {
    try (InputStream in = FdtHeaderTest.class.getResourceAsStream("/dt/" + name)) {
      assertThat(in).as(name).isNotNull();
      return in.readAllBytes();
    }
  }

  private static byte[] simpleBlob() {
    FdtBuilder b = new FdtBuilder();
    b.root().cells("#address-cells", 1).addChild("a@1").strings("compatible", "x,y").phandle(5);
    return b.build();
  }

  private static void putInt(byte[] blob, int off, int value) {
    ByteBuffer.wrap(blob).putInt(off, value);
  }

  private static Problem problemOf(byte[] blob) {
    try {
      var unused = Fdt.parse(blob);
    } catch (FdtFormatException e) {
      assertThat(e.offset()).isBetween(0L, (long) Math.max(blob.length, 1));
      assertThat(e.getMessage()).isNotBlank();
      return e.problem();
    }
    throw new AssertionError("parsed without error");
  }

  @Test
  void parsesHeaderFields() throws Exception {
    FdtBuilder b = new FdtBuilder().bootCpuId(3).addReservation(0x1000, 0x2000);
    b.root().addChild("n");
    byte[] blob = b.build();
    Fdt fdt = Fdt.parse(blob);
    assertThat(fdt.version()).isEqualTo(17);
    assertThat(fdt.lastCompVersion()).isEqualTo(16);
    assertThat(fdt.totalSize()).isEqualTo(blob.length);
    assertThat(fdt.bootCpuId()).isEqualTo(3);
    assertThat(fdt.offMemRsvmap()).isEqualTo(40);
    assertThat(fdt.reservations()).containsExactly(new FdtReservation(0x1000, 0x2000));
    assertThat(fdt.offDtStruct() + fdt.sizeDtStruct()).isEqualTo(fdt.offDtStrings());
    assertThat(fdt.nodeCount()).isEqualTo(2);
    assertThat(Fdt.parse(ByteBuffer.wrap(blob)).nodeCount()).isEqualTo(2);
  }

  @Test
  void badSignature() {
    byte[] blob = simpleBlob();
    blob[0] = 0;
    assertThat(problemOf(blob)).isEqualTo(Problem.BAD_SIGNATURE);
    assertThat(problemOf(new byte[0])).isEqualTo(Problem.BAD_SIGNATURE);
    assertThat(problemOf(new byte[] {(byte) 0xd0, 0x0d})).isEqualTo(Problem.BAD_SIGNATURE);
  }

  @Test
  void truncated() {
    byte[] blob = simpleBlob();
    assertThat(problemOf(Arrays.copyOf(blob, 39))).isEqualTo(Problem.TRUNCATED);
    assertThat(problemOf(Arrays.copyOf(blob, blob.length - 1))).isEqualTo(Problem.TRUNCATED);
    putInt(blob, 4, -1); // totalsize 0xffffffff
    assertThat(problemOf(blob)).isEqualTo(Problem.TRUNCATED);
  }

  @Test
  void badLength() {
    byte[] blob = simpleBlob();
    assertThat(problemOf(Arrays.copyOf(blob, blob.length + 4))).isEqualTo(Problem.BAD_LENGTH);
  }

  @Test
  void unsupportedVersionIsBadStructure() {
    byte[] blob = simpleBlob();
    putInt(blob, 20, 15);
    assertThat(problemOf(blob)).isEqualTo(Problem.BAD_STRUCTURE);
    blob = simpleBlob();
    putInt(blob, 24, 18);
    assertThat(problemOf(blob)).isEqualTo(Problem.BAD_STRUCTURE);
  }

  @Test
  void lastCompVersionAboveVersionIsBadStructure() {
    // A v16 header claiming compatibility with v17 (libfdt: FDT_ERR_BADVERSION).
    byte[] blob = simpleBlob();
    putInt(blob, 20, 16);
    putInt(blob, 24, 17);
    FdtFormatException e = exceptionOf(blob);
    assertThat(e.problem()).isEqualTo(Problem.BAD_STRUCTURE);
    assertThat(e.offset()).isEqualTo(24);
    assertThat(e.getMessage()).contains("last_comp_version 17 > version 16");
  }

  @Test
  void lastCompVersionUpToVersionIsAccepted() throws Exception {
    int[][] accepted = {{16, 16}, {17, 16}, {17, 17}, {18, 17}, {16, 2}, {17, 0}};
    for (int[] v : accepted) {
      byte[] blob = simpleBlob();
      putInt(blob, 20, v[0]);
      putInt(blob, 24, v[1]);
      Fdt fdt = Fdt.parse(blob);
      assertThat(fdt.version()).as("version %d / last_comp %d", v[0], v[1]).isEqualTo(v[0]);
      assertThat(fdt.lastCompVersion()).isEqualTo(v[1]);
    }
  }

  /**
   * Current libfdt's {@code fdt_check_header()} refuses a reservation block off an 8-byte boundary
   * and a structure block off a 4-byte boundary ({@code FDT_ERR_ALIGNMENT}); the reader refuses
   * them as bad offsets, naming the header field. Every aligned shift is still accepted.
   */
  @Test
  void misalignedBlocksAreBadOffsetsAndAlignedShiftsAreAccepted() throws Exception {
    byte[] blob = simpleBlob();
    Fdt aligned = Fdt.parse(blob);
    assertThat(aligned.offMemRsvmap() % 8).isZero();
    for (int gap = 1; gap <= 8; gap++) {
      byte[] rsv = withGapBefore(blob, aligned.offMemRsvmap(), gap);
      byte[] struct = withGapBefore(blob, aligned.offDtStruct(), gap);
      if (gap % 8 == 0) {
        assertThat(Fdt.parse(rsv).node("/a@1")).isNotNull();
      } else {
        assertThatThrownBy(() -> Fdt.parse(rsv))
            .isInstanceOfSatisfying(
                FdtFormatException.class,
                e -> {
                  assertThat(e.problem()).isEqualTo(Problem.BAD_OFFSET);
                  assertThat(e.offset()).isEqualTo(16);
                  assertThat(e.getMessage()).contains("not 8-byte aligned");
                });
      }
      if (gap % 4 == 0) {
        Fdt moved = Fdt.parse(struct);
        assertThat(moved.offDtStruct()).isEqualTo(aligned.offDtStruct() + gap);
        assertThat(moved.nodeCount()).isEqualTo(aligned.nodeCount());
      } else {
        assertThatThrownBy(() -> Fdt.parse(struct))
            .isInstanceOfSatisfying(
                FdtFormatException.class,
                e -> {
                  assertThat(e.problem()).isEqualTo(Problem.BAD_OFFSET);
                  assertThat(e.offset()).isEqualTo(8);
                  assertThat(e.getMessage()).contains("not 4-byte aligned");
                });
      }
    }
  }

  /** Inserts {@code gap} zero bytes at {@code at}, a block start, and moves the header along. */
  static byte[] withGapBefore(byte[] blob, int at, int gap) {
    byte[] out = new byte[blob.length + gap];
    System.arraycopy(blob, 0, out, 0, at);
    System.arraycopy(blob, at, out, at + gap, blob.length - at);
    ByteBuffer b = ByteBuffer.wrap(out);
    b.putInt(4, out.length);
    for (int field : new int[] {8, 12, 16}) {
      if (b.getInt(field) >= at) {
        b.putInt(field, b.getInt(field) + gap);
      }
    }
    return out;
  }

  private static FdtFormatException exceptionOf(byte[] blob) {
    try {
      var unused = Fdt.parse(blob);
    } catch (FdtFormatException e) {
      return e;
    }
    throw new AssertionError("parsed without error");
  }

  @Test
  void version16UsesTheRestOfTheBlobAsStructureBlock() throws Exception {
    byte[] blob = simpleBlob();
    putInt(blob, 20, 16);
    putInt(blob, 36, 0xdead); // size_dt_struct is not part of a v16 header
    Fdt fdt = Fdt.parse(blob);
    assertThat(fdt.sizeDtStruct()).isEqualTo(blob.length - fdt.offDtStruct());
    assertThat(fdt.node("/a@1")).isNotNull();
  }

  @Test
  void badOffsets() {
    int[][] cases = {
      {8, 8}, // struct inside the header
      {8, 0x7fffffff}, // struct past the end
      {36, 0x7fffffff}, // struct size past the end
      {12, 4}, // strings inside the header
      {32, 0x10000}, // strings size past the end
      {16, 0}, // reservation block inside the header
      {16, 0xffffffff}, // reservation block far past the end (regression: negative index)
      {16, 0x7ffffff8}, // reservation block past the end
    };
    for (int[] c : cases) {
      byte[] blob = simpleBlob();
      putInt(blob, c[0], c[1]);
      assertThat(problemOf(blob)).as("field at %d = %x", c[0], c[1]).isEqualTo(Problem.BAD_OFFSET);
    }
    // A reservation list without its (0, 0) terminator inside the blob.
    byte[] blob = simpleBlob();
    putInt(blob, 16, blob.length - 8);
    putInt(blob, blob.length - 8, 1);
    assertThat(problemOf(blob)).isEqualTo(Problem.BAD_OFFSET);
  }

  @Test
  void reservationListEndsOnlyAtTheZeroZeroEntry() throws Exception {
    // The format's terminator is (0, 0); libfdt's fdt_num_mem_rsv() stops at any size 0.
    FdtBuilder b = new FdtBuilder().addReservation(0x1000, 0x2000).addReservation(0x3000, 0x10);
    b.root().addChild("n");
    byte[] blob = b.build();
    int second = Fdt.parse(blob).offMemRsvmap() + 16;
    putInt(blob, second + 8, 0); // size of the second entry: 0 (its address stays 0x3000)
    putInt(blob, second + 12, 0);
    assertThat(Fdt.parse(blob).reservations())
        .containsExactly(new FdtReservation(0x1000, 0x2000), new FdtReservation(0x3000, 0));

    // (An (address, 0) entry with no (0, 0) after it runs the list off the blob: see
    // LibfdtAgreementTest's rsvmap-size0-terminator.dtb.)
  }

  @Test
  void builderRefusesOnlyTheTerminatorEntry() {
    FdtBuilder b = new FdtBuilder();
    assertThatThrownBy(() -> b.addReservation(0, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("(0, 0)");
    b.addReservation(0x1000, 0); // an empty range at a non-zero address is an entry
    b.addReservation(0, 0x1000); // address 0 is a range like any other
  }

  @Test
  void damagedTokenInARealBlob() throws Exception {
    // Like the corpus file malformed/bad-dtb-token.dtb: an unknown token in a good blob.
    byte[] good = resource("hm-disabled.dtb");
    assertThat(Fdt.parse(good).nodeCount()).isEqualTo(12);
    byte[] badToken = good.clone();
    int structOff = ByteBuffer.wrap(good).getInt(8);
    putInt(badToken, structOff, 7);
    assertThat(problemOf(badToken)).isEqualTo(Problem.BAD_STRUCTURE);
  }
}
