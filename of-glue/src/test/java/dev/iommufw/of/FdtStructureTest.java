package dev.iommufw.of;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iommufw.of.FdtFormatException.Problem;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Structure-block checks (§3.1 step 5), on hand-assembled token streams. */
class FdtStructureTest {
  /** Assembles a v17 blob around a raw structure block and strings block. */
  static byte[] blob(byte[] struct, byte[] strings) {
    int structOff = 40 + 16;
    int stringsOff = structOff + struct.length;
    int total = stringsOff + strings.length;
    ByteBuffer b = ByteBuffer.allocate(total);
    b.putInt(Fdt.MAGIC).putInt(total).putInt(structOff).putInt(stringsOff).putInt(40);
    b.putInt(17).putInt(16).putInt(0).putInt(strings.length).putInt(struct.length);
    b.putLong(0).putLong(0).put(struct).put(strings);
    return b.array();
  }

  /** A tiny assembler for structure tokens. */
  static final class Tokens {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();

    @com.google.errorprone.annotations.CanIgnoreReturnValue
    Tokens word(int v) {
      out.write(v >>> 24);
      out.write(v >>> 16);
      out.write(v >>> 8);
      out.write(v);
      return this;
    }

    @com.google.errorprone.annotations.CanIgnoreReturnValue
    Tokens begin(String name) {
      word(1);
      byte[] n = name.getBytes(StandardCharsets.ISO_8859_1);
      out.write(n, 0, n.length);
      out.write(0);
      while (out.size() % 4 != 0) {
        out.write(0);
      }
      return this;
    }

    @com.google.errorprone.annotations.CanIgnoreReturnValue
    Tokens end() {
      return word(2);
    }

    @com.google.errorprone.annotations.CanIgnoreReturnValue
    Tokens prop(int nameOff, int... cells) {
      word(3).word(4 * cells.length).word(nameOff);
      for (int c : cells) {
        word(c);
      }
      return this;
    }

    @com.google.errorprone.annotations.CanIgnoreReturnValue
    Tokens nop() {
      return word(4);
    }

    @com.google.errorprone.annotations.CanIgnoreReturnValue
    Tokens fin() {
      return word(9);
    }

    byte[] bytes() {
      return out.toByteArray();
    }
  }

  static final byte[] STRINGS = "phandle\0status\0".getBytes(StandardCharsets.ISO_8859_1);

  private static Problem problemOf(Tokens t) {
    try {
      var unused = Fdt.parse(blob(t.bytes(), STRINGS));
    } catch (FdtFormatException e) {
      return e.problem();
    }
    throw new AssertionError("parsed without error");
  }

  @Test
  void wellFormedWithNops() throws Exception {
    Tokens t = new Tokens().nop().begin("").prop(0, 7).nop().begin("a@1").end().nop().end().fin();
    Fdt fdt = Fdt.parse(blob(t.bytes(), STRINGS));
    assertThat(fdt.nodeCount()).isEqualTo(2);
    assertThat(fdt.nodeByPhandle(7)).isSameAs(fdt.root());
    assertThat(fdt.root().path()).isEqualTo("/");
    assertThat(Trees.at(fdt, "/a@1").path()).isEqualTo("/a@1");
  }

  @Test
  void structureDefects() {
    assertThat(problemOf(new Tokens().begin("").word(5).end().fin()))
        .as("unknown token")
        .isEqualTo(Problem.BAD_STRUCTURE);
    assertThat(problemOf(new Tokens().begin("").end()))
        .as("no END")
        .isEqualTo(Problem.BAD_STRUCTURE);
    assertThat(problemOf(new Tokens().begin("").fin()))
        .as("unbalanced")
        .isEqualTo(Problem.BAD_STRUCTURE);
    assertThat(problemOf(new Tokens().begin("").end().end().fin()))
        .as("extra END_NODE")
        .isEqualTo(Problem.BAD_STRUCTURE);
    assertThat(problemOf(new Tokens().begin("x").end().fin()))
        .as("named root")
        .isEqualTo(Problem.BAD_STRUCTURE);
    assertThat(problemOf(new Tokens().begin("").end().begin("").end().fin()))
        .as("second root")
        .isEqualTo(Problem.BAD_STRUCTURE);
    assertThat(problemOf(new Tokens().begin("").begin("").end().end().fin()))
        .as("empty child name")
        .isEqualTo(Problem.BAD_STRUCTURE);
    assertThat(problemOf(new Tokens().begin("").begin("a/b").end().end().fin()))
        .as("slash in name")
        .isEqualTo(Problem.BAD_STRUCTURE);
    assertThat(problemOf(new Tokens().begin("").begin("a").end().prop(0, 1).end().fin()))
        .as("property after subnode")
        .isEqualTo(Problem.BAD_STRUCTURE);
    assertThat(problemOf(new Tokens().begin("").prop(100, 1).end().fin()))
        .as("name offset outside strings")
        .isEqualTo(Problem.BAD_STRUCTURE);
    assertThat(problemOf(new Tokens().prop(0, 1).begin("").end().fin()))
        .as("property outside a node")
        .isEqualTo(Problem.BAD_STRUCTURE);
    assertThat(problemOf(new Tokens().fin())).as("no root").isEqualTo(Problem.BAD_STRUCTURE);
    assertThat(problemOf(new Tokens().begin("").word(3).word(0x1000).word(0).end().fin()))
        .as("property past the block")
        .isEqualTo(Problem.BAD_STRUCTURE);
  }

  @Test
  void unterminatedNames() {
    // Node name without NUL inside the block.
    byte[] struct = {0, 0, 0, 1, 'a', 'b', 'c', 'd'};
    assertThatThrownBy(() -> Fdt.parse(blob(struct, STRINGS)))
        .isInstanceOfSatisfying(
            FdtFormatException.class,
            e -> assertThat(e.problem()).isEqualTo(Problem.BAD_STRUCTURE));
    // Property name without NUL inside the strings block.
    byte[] strings = "phandle".getBytes(StandardCharsets.ISO_8859_1);
    byte[] s2 = new Tokens().begin("").prop(0, 1).end().fin().bytes();
    assertThatThrownBy(() -> Fdt.parse(blob(s2, strings)))
        .isInstanceOfSatisfying(
            FdtFormatException.class,
            e -> assertThat(e.problem()).isEqualTo(Problem.BAD_STRUCTURE));
  }

  @Test
  void repeatedPropertyFirstWins() throws Exception {
    Tokens t = new Tokens().begin("").prop(0, 7).prop(0, 8).end().fin();
    Fdt fdt = Fdt.parse(blob(t.bytes(), STRINGS));
    assertThat(fdt.root().properties()).hasSize(2);
    assertThat(fdt.root().u32("phandle")).hasValue(7);
    assertThat(fdt.nodeByPhandle(7)).isSameAs(fdt.root());
    assertThat(fdt.nodeByPhandle(8)).isNull();
  }

  @Test
  void deepTreesDoNotRecurse() throws Exception {
    Tokens t = new Tokens().begin("");
    int depth = 100_000;
    for (int i = 0; i < depth; i++) {
      t.begin("n");
    }
    for (int i = 0; i < depth; i++) {
      t.end();
    }
    t.end().fin();
    Fdt fdt = Fdt.parse(blob(t.bytes(), STRINGS));
    assertThat(fdt.nodeCount()).isEqualTo(depth + 1);
    assertThat(fdt.nodes().get(depth).depth()).isEqualTo(depth);
    assertThat(fdt.descendants(fdt.root())).hasSize(depth);
  }
}
