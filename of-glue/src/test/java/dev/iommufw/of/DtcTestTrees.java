package dev.iommufw.of;

import com.google.common.collect.ImmutableMap;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Equivalents of the hand-made trees of dtc's test suite ({@code tests/trees.S}: one good tree and
 * the corrupted ones), rebuilt here byte for byte rather than copied, because that file is
 * GPL-licensed. {@code compare.sh} checks that each equals the blob assembled from dtc's own {@code
 * trees.S}, so libfdt's verdicts on the originals hold for these.
 *
 * <p>Layout as in {@code trees.S}: a v17 header (last compatible version 16), the reservation block
 * at the next 8-byte boundary (40), then the structure block, then the strings block, each starting
 * where the previous one ends unless stated.
 */
final class DtcTestTrees {
  private DtcTestTrees() {}

  /** A structure or strings block being written. */
  static final class Block {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    @com.google.errorprone.annotations.CanIgnoreReturnValue
    Block u32(long... values) {
      for (long v : values) {
        out.write((int) (v >>> 24));
        out.write((int) (v >>> 16));
        out.write((int) (v >>> 8));
        out.write((int) v);
      }
      return this;
    }

    /** A NUL-terminated string, then padding to a 4-byte boundary. */
    @com.google.errorprone.annotations.CanIgnoreReturnValue
    Block name(String s) {
      ascii(s + "\0");
      return pad4();
    }

    @com.google.errorprone.annotations.CanIgnoreReturnValue
    Block ascii(String s) {
      out.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
      return this;
    }

    @com.google.errorprone.annotations.CanIgnoreReturnValue
    Block pad4() {
      while (out.size() % 4 != 0) {
        out.write(0);
      }
      return this;
    }

    @com.google.errorprone.annotations.CanIgnoreReturnValue
    Block beginNode(String name) {
      return u32(FdtParser.FDT_BEGIN_NODE).name(name);
    }

    @com.google.errorprone.annotations.CanIgnoreReturnValue
    Block endNode() {
      return u32(FdtParser.FDT_END_NODE);
    }

    @com.google.errorprone.annotations.CanIgnoreReturnValue
    Block end() {
      return u32(FdtParser.FDT_END);
    }

    @com.google.errorprone.annotations.CanIgnoreReturnValue
    Block prop(long nameOff, long... cells) {
      return u32(FdtParser.FDT_PROP, 4L * cells.length, nameOff).u32(cells);
    }

    int size() {
      return out.size();
    }

    byte[] bytes() {
      return out.toByteArray();
    }
  }

  /** The reservation entries, then the usual (0, 0) terminator if {@code terminated}. */
  static Block rsvmap(boolean terminated, long... addressSizePairs) {
    Block b = new Block();
    for (long v : addressSizePairs) {
      b.u32(v >>> 32, v & 0xffffffffL);
    }
    return terminated ? b.u32(0, 0, 0, 0) : b;
  }

  /**
   * Lays out header, reservation block, structure block and strings block in this order (or, with
   * {@code rsvmapLast}, the reservation block after the strings at an 8-byte boundary).
   */
  static byte[] assemble(Block rsvmap, Block struct, Block strings, boolean rsvmapLast) {
    int offRsv;
    int offStruct;
    int offStrings;
    int total;
    if (rsvmapLast) {
      offStruct = 40;
      offStrings = offStruct + struct.size();
      offRsv = (offStrings + strings.size() + 7) & ~7;
      total = offRsv + rsvmap.size();
    } else {
      offRsv = 40;
      offStruct = offRsv + rsvmap.size();
      offStrings = offStruct + struct.size();
      total = offStrings + strings.size();
    }
    ByteBuffer b = ByteBuffer.allocate(total);
    b.putInt(Fdt.MAGIC)
        .putInt(total)
        .putInt(offStruct)
        .putInt(offStrings)
        .putInt(offRsv)
        .putInt(17)
        .putInt(16)
        .putInt(0)
        .putInt(strings.size())
        .putInt(struct.size());
    b.put(offRsv, rsvmap.bytes()).put(offStruct, struct.bytes()).put(offStrings, strings.bytes());
    return b.array();
  }

  private static final long TEST_ADDR_1 = 0xdeadbeef00000000L;
  private static final long TEST_SIZE_1 = 0x100000L;

  /** The trees, by their {@code trees.S} label. */
  static ImmutableMap<String, byte[]> all() {
    ImmutableMap.Builder<String, byte[]> m = ImmutableMap.builder();
    m.put(
        "truncated_property",
        assemble(
            rsvmap(true),
            new Block().beginNode("").u32(FdtParser.FDT_PROP, 4, 0), // no value bytes follow
            new Block().ascii("truncated\0"),
            false));
    m.put("bad_node_char", oneChild("sub$node"));
    m.put("bad_node_format", oneChild("subnode@1@2"));
    m.put(
        "bad_prop_char",
        assemble(
            rsvmap(true),
            new Block().beginNode("").prop(0, 0xdeadbeefL).endNode().end(),
            new Block().ascii("prop$erty\0"),
            false));
    byte[] ovf =
        assemble(
            rsvmap(true),
            new Block().beginNode("").prop(0x10000000L, 0).endNode().end(),
            new Block().ascii("x\0"),
            false);
    ByteBuffer.wrap(ovf).putInt(32, 0xffffffff); // size_dt_strings
    m.put("ovf_size_strings", ovf);
    m.put(
        "truncated_string",
        assemble(
            rsvmap(true),
            new Block()
                .beginNode("")
                .u32(FdtParser.FDT_PROP, 0, 0)
                .u32(FdtParser.FDT_PROP, 0, 5)
                .endNode()
                .end(),
            new Block().ascii("good\0bad"), // the last name has no NUL
            false));
    m.put(
        "truncated_memrsv",
        assemble(
            rsvmap(false, TEST_ADDR_1, TEST_SIZE_1),
            new Block().beginNode("").endNode().end(),
            new Block(),
            true));
    m.put(
        "unterminated_memrsv",
        assemble(
            rsvmap(false, TEST_ADDR_1, TEST_SIZE_1),
            new Block().beginNode("").endNode().end(),
            new Block(),
            false));
    m.put(
        "two_roots",
        assemble(
            rsvmap(true),
            new Block().beginNode("").endNode().beginNode("").endNode().end(),
            new Block(),
            false));
    m.put(
        "named_root",
        assemble(rsvmap(true), new Block().beginNode("fake").endNode().end(), new Block(), false));
    return m.buildOrThrow();
  }

  private static byte[] oneChild(String name) {
    return assemble(
        rsvmap(true),
        new Block().beginNode("").beginNode(name).endNode().endNode().end(),
        new Block(),
        false);
  }
}
