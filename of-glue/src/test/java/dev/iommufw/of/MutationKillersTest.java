package dev.iommufw.of;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iommufw.of.FdtFormatException.Problem;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** Tests written against mutants PIT found surviving in the DTB reader and IommuMap (issue 12). */
class MutationKillersTest {

  private static FdtFormatException failure(byte[] blob) {
    try {
      var unused = Fdt.parse(blob);
    } catch (FdtFormatException e) {
      return e;
    }
    throw new AssertionError("parsed");
  }

  private static byte[] small() {
    FdtBuilder b = new FdtBuilder();
    b.root().addChild("dev").cells("big", 0x5a5a5a5a);
    return b.build();
  }

  @Test
  void emptyStructureBlockIsAMissingEndTokenNotABadOffset() {
    byte[] blob = small();
    ByteBuffer.wrap(blob).putInt(36, 0);
    FdtFormatException e = failure(blob);
    assertThat(e.problem()).isEqualTo(Problem.BAD_STRUCTURE);
    assertThat(e.getMessage()).contains("without an END token");
  }

  @Test
  void structureBlockCutBeforeItsEndTokenStopsAtTheBlockEnd() {
    byte[] blob = small();
    ByteBuffer bb = ByteBuffer.wrap(blob);
    int structOff = bb.getInt(8);
    int size = bb.getInt(36);
    bb.putInt(36, size - 4); // the strings block now follows the last END_NODE
    FdtFormatException e = failure(blob);
    assertThat(e.problem()).isEqualTo(Problem.BAD_STRUCTURE);
    assertThat(e.getMessage()).contains("without an END token");
    assertThat(e.offset()).isEqualTo(structOff + size - 4);
  }

  @Test
  void badNameOffsetIsReportedAtTheNameOffsetField() {
    byte[] blob = small();
    ByteBuffer bb = ByteBuffer.wrap(blob);
    int prop = -1;
    for (int p = 0; p + 4 <= blob.length; p += 4) {
      if (bb.getInt(p) == 0x5a5a5a5a) {
        prop = p - 12;
        break;
      }
    }
    bb.putInt(prop + 8, bb.getInt(32)); // nameoff = size_dt_strings: one past the end
    FdtFormatException e = failure(blob);
    assertThat(e.problem()).isEqualTo(Problem.BAD_STRUCTURE);
    assertThat(e.offset()).isEqualTo(prop + 8);
  }

  private static IommuMap map(int... cells) throws FdtFormatException {
    FdtBuilder b = new FdtBuilder();
    b.root().addChild("iommu").phandle(1);
    b.root().addChild("host").cells("iommu-map", cells);
    Fdt fdt = Fdt.parse(b.build());
    return IommuMap.parse(fdt, Trees.at(fdt, "/host"));
  }

  @Test
  void emptyTupleSharingAStartDoesNotHideTheLaterTuples() throws FdtFormatException {
    int n = IommuMap.INDEX_THRESHOLD + 2;
    int[] cells = new int[4 * n];
    for (int k = 0; k < n; k++) {
      cells[4 * k] = 5;
      cells[4 * k + 1] = 1;
      cells[4 * k + 2] = 100 + k;
      cells[4 * k + 3] = k == 0 ? 0 : 10; // tuple 0 covers nothing
    }
    IommuMap m = map(cells);
    assertThat(m.mapId(6))
        .isInstanceOfSatisfying(
            MapResult.Mapped.class,
            r -> {
              assertThat(r.entryIndex()).isEqualTo(1);
              assertThat(r.outId()).isEqualTo(102);
            });
    assertThat(m.mapId(15)).isInstanceOf(MapResult.NoMatch.class);
  }

  @Test
  void presenceAndBadLengthFlags() throws FdtFormatException {
    IommuMap good = map(0, 1, 0, 1);
    assertThat(good.isPresent()).isTrue();
    assertThat(good.hasBadLength()).isFalse();
    IommuMap bad = map(0, 1, 0);
    assertThat(bad.isPresent()).isTrue();
    assertThat(bad.hasBadLength()).isTrue();
  }
}
