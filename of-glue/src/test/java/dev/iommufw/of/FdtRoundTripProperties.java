package dev.iommufw.of;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import dev.iommufw.core.testing.Tries;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/** FdtBuilder → bytes → Fdt.parse gives back the same tree. */
class FdtRoundTripProperties {
  /** One generated build step: add a child node or a property to an existing node. */
  static final class Op {
    private final boolean node;
    private final int target;
    private final String name;
    private final byte[] value;

    Op(boolean node, int target, String name, byte[] value) {
      this.node = node;
      this.target = target;
      this.name = name;
      this.value = value;
    }

    boolean node() {
      return node;
    }

    int target() {
      return target;
    }

    String name() {
      return name;
    }

    byte[] value() {
      return value;
    }

    @Override
    public String toString() {
      return (node ? "node " : "prop ") + target + " '" + name + "' " + Arrays.toString(value);
    }
  }

  /** The expected tree, independent of the classes under test. */
  static final class Spec {
    final String name;
    final List<String> propNames = new ArrayList<>();
    final List<byte[]> propValues = new ArrayList<>();
    final List<Spec> kids = new ArrayList<>();

    Spec(String name) {
      this.name = name;
    }
  }

  private static final String ALPHABET = "abc@,.-_+#\u0080\u00e9\u00ff01";

  static Gen<String> names(int min) {
    return lists()
        .of(Generate.pick(ALPHABET.chars().mapToObj(c -> (char) c).toList()))
        .ofSizeBetween(min, 6)
        .map(cs -> cs.stream().map(String::valueOf).reduce("", String::concat));
  }

  static Gen<byte[]> values() {
    return Generate.byteArrays(
        integers().between(0, 20), Generate.bytes((byte) -128, (byte) 127, (byte) 0));
  }

  static Gen<Op> ops() {
    return Generate.booleans()
        .zip(
            integers().between(0, 1000),
            names(1),
            values(),
            (node, target, name, value) -> new Op(node, target, name, value));
  }

  @Test
  void builtTreesParseBackUnchanged() {
    qt().withExamples(Tries.scaled(300))
        .forAll(lists().of(ops()).ofSizeBetween(0, 40), integers().all())
        .checkAssert(FdtRoundTripProperties::roundTrip);
  }

  private static void roundTrip(List<Op> ops, int bootCpu) {
    Spec rootSpec = new Spec("");
    List<Spec> specs = new ArrayList<>(List.of(rootSpec));
    FdtBuilder builder = new FdtBuilder().bootCpuId(bootCpu);
    List<FdtBuilder.Node> built = new ArrayList<>(List.of(builder.root()));
    for (Op op : ops) {
      int t = op.target() % specs.size();
      Spec spec = specs.get(t);
      FdtBuilder.Node node = built.get(t);
      if (op.node()) {
        Spec kid = new Spec(op.name());
        spec.kids.add(kid);
        specs.add(kid);
        built.add(node.addChild(op.name()));
      } else {
        spec.propNames.add(op.name());
        spec.propValues.add(op.value());
        node.bytes(op.name(), op.value());
      }
    }
    byte[] blob = builder.build();
    Fdt fdt;
    try {
      fdt = Fdt.parse(blob);
    } catch (FdtFormatException e) {
      throw new AssertionError("built blob rejected", e);
    }
    assertThat(fdt.totalSize()).isEqualTo(blob.length);
    assertThat(fdt.bootCpuId()).isEqualTo(bootCpu);
    assertThat(fdt.nodeCount()).isEqualTo(specs.size());

    // Walk the spec depth-first (iteratively) alongside fdt.nodes().
    Deque<Spec> stack = new ArrayDeque<>();
    Deque<Integer> depths = new ArrayDeque<>();
    stack.push(rootSpec);
    depths.push(0);
    int i = 0;
    while (!stack.isEmpty()) {
      Spec s = stack.pop();
      int depth = depths.pop();
      FdtNode n = fdt.nodes().get(i++);
      assertThat(n.name()).isEqualTo(s.name);
      assertThat(n.depth()).isEqualTo(depth);
      assertThat(n.children()).hasSize(s.kids.size());
      assertThat(n.properties()).hasSize(s.propNames.size());
      for (int p = 0; p < s.propNames.size(); p++) {
        FdtProperty prop = n.properties().get(p);
        assertThat(prop.name()).isEqualTo(s.propNames.get(p));
        assertThat(prop.value()).isEqualTo(s.propValues.get(p));
        assertThat(Arrays.equals(prop.cells(), cellsOf(s.propValues.get(p)))).isTrue();
      }
      if (n.parent() != null) {
        FdtNode parent = n.parent();
        assertThat(n.path())
            .isEqualTo((parent.parent() == null ? "" : parent.path()) + "/" + n.name());
      }
      for (int k = s.kids.size() - 1; k >= 0; k--) {
        stack.push(s.kids.get(k));
        depths.push(depth + 1);
      }
    }
  }

  private static int[] cellsOf(byte[] v) {
    int[] out = new int[v.length / 4];
    for (int i = 0; i < out.length; i++) {
      out[i] =
          ((v[4 * i] & 0xff) << 24)
              | ((v[4 * i + 1] & 0xff) << 16)
              | ((v[4 * i + 2] & 0xff) << 8)
              | (v[4 * i + 3] & 0xff);
    }
    return out;
  }
}
