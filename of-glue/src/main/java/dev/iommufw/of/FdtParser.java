package dev.iommufw.of;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import dev.iommufw.of.FdtFormatException.Problem;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The single-pass blob parser behind {@link Fdt#parse(byte[])}. Works on a private copy of the
 * blob, which the resulting properties keep referring to.
 */
final class FdtParser {
  static final int FDT_BEGIN_NODE = 1;
  static final int FDT_END_NODE = 2;
  static final int FDT_PROP = 3;
  static final int FDT_NOP = 4;
  static final int FDT_END = 9;

  private final byte[] blob;

  FdtParser(byte[] blob) {
    this.blob = blob;
  }

  private long u32(int off) {
    return Integer.toUnsignedLong(Fdt.readInt(blob, off));
  }

  private static FdtFormatException fail(Problem problem, long offset, String message) {
    return new FdtFormatException(problem, offset, message);
  }

  Fdt parse() throws FdtFormatException {
    int fileSize = blob.length;
    if (fileSize < 4 || Fdt.readInt(blob, 0) != Fdt.MAGIC) {
      throw fail(Problem.BAD_SIGNATURE, 0, "no FDT magic d0 0d fe ed");
    }
    if (fileSize < Fdt.HEADER_SIZE) {
      throw fail(Problem.TRUNCATED, fileSize, "blob shorter than the 40-byte header");
    }
    long totalSize = u32(4);
    if (totalSize > fileSize) {
      throw fail(Problem.TRUNCATED, 4, "totalsize " + totalSize + " > blob size " + fileSize);
    }
    if (totalSize < fileSize) {
      throw fail(Problem.BAD_LENGTH, 4, "totalsize " + totalSize + " < blob size " + fileSize);
    }
    long offStruct = u32(8);
    long offStrings = u32(12);
    long offRsvmap = u32(16);
    long version = u32(20);
    long lastComp = u32(24);
    long bootCpu = u32(28);
    long sizeStrings = u32(32);
    if (version < 16) {
      throw fail(Problem.BAD_STRUCTURE, 20, "unsupported version " + version);
    }
    if (lastComp > 17) {
      throw fail(Problem.BAD_STRUCTURE, 24, "unsupported last_comp_version " + lastComp);
    }
    if (lastComp > version) {
      // A blob cannot be compatible with a format newer than its own (libfdt's
      // fdt_check_header() rejects this with FDT_ERR_BADVERSION): in practice a v16 header
      // claiming v17 compatibility, whose missing size_dt_struct a v17 reader would trust.
      throw fail(
          Problem.BAD_STRUCTURE, 24, "last_comp_version " + lastComp + " > version " + version);
    }
    // Current libfdt (fdt_check_header(), FDT_ERR_ALIGNMENT) refuses blocks off their natural
    // boundary: reservation entries are pairs of u64, structure tokens are u32. Older libfdt
    // (1.6.1) checked only the blob's own base address; the Devicetree Specification requires
    // both alignments, so a misaligned block is a bad offset, not a quirk to tolerate.
    if (offRsvmap % 8 != 0) {
      throw fail(
          Problem.BAD_OFFSET,
          16,
          "memory reservation block offset " + offRsvmap + " is not 8-byte aligned");
    }
    if (offStruct % 4 != 0) {
      throw fail(
          Problem.BAD_OFFSET, 8, "structure block offset " + offStruct + " is not 4-byte aligned");
    }
    long headerSize = version >= 17 ? 40 : 36;
    long sizeStruct = version >= 17 ? u32(36) : totalSize - offStruct;
    if (offStruct < headerSize || sizeStruct < 0 || offStruct + sizeStruct > totalSize) {
      throw fail(Problem.BAD_OFFSET, 8, "structure block outside the blob");
    }
    if (offStrings < headerSize || offStrings + sizeStrings > totalSize) {
      throw fail(Problem.BAD_OFFSET, 12, "strings block outside the blob");
    }
    if (offRsvmap < headerSize) {
      throw fail(Problem.BAD_OFFSET, 16, "memory reservation block overlaps the header");
    }
    ImmutableList<FdtReservation> reservations = readReservations(offRsvmap, totalSize);
    // The block offsets and sizes are now known to lie within the blob, hence to fit an int.
    int[] header = {
      (int) totalSize,
      (int) offStruct,
      (int) offStrings,
      (int) offRsvmap,
      (int) version,
      (int) lastComp,
      (int) bootCpu,
      (int) sizeStrings,
      (int) sizeStruct
    };
    return walk(
        header,
        reservations,
        (int) offStruct,
        (int) sizeStruct,
        (int) offStrings,
        (int) sizeStrings);
  }

  private ImmutableList<FdtReservation> readReservations(long off, long totalSize)
      throws FdtFormatException {
    ImmutableList.Builder<FdtReservation> out = ImmutableList.builder();
    // off is an unchecked u32: walk in long arithmetic and index only after the bound check.
    for (long p = off; ; p += 16) {
      if (p + 16 > totalSize) {
        throw fail(
            Problem.BAD_OFFSET,
            Math.min(p, totalSize),
            "memory reservation list not terminated in the blob");
      }
      int i = (int) p;
      long address = ((long) Fdt.readInt(blob, i) << 32) | u32(i + 4);
      long size = ((long) Fdt.readInt(blob, i + 8) << 32) | u32(i + 12);
      // The list ends at the (0, 0) entry the Devicetree Specification defines. (libfdt's
      // fdt_num_mem_rsv() stops at any entry of size 0; a blob with an (address, 0) entry before
      // its terminator is read differently by the two, and this reader keeps the format's rule.)
      if (address == 0 && size == 0) {
        return out.build();
      }
      out.add(new FdtReservation(address, size));
    }
  }

  private Fdt walk(
      int[] header,
      ImmutableList<FdtReservation> reservations,
      int structStart,
      int structSize,
      int stringsStart,
      int stringsSize)
      throws FdtFormatException {
    final int end = structStart + structSize;
    List<FdtNode> nodes = new ArrayList<>();
    // Open nodes, innermost last; per open node the start of its properties / children in the
    // shared scratch lists and whether a subnode has been seen.
    List<FdtNode> open = new ArrayList<>();
    List<FdtProperty> propScratch = new ArrayList<>();
    List<FdtNode> childScratch = new ArrayList<>();
    int[] propStart = new int[16];
    int[] childStart = new int[16];
    boolean[] propsDone = new boolean[16];
    NameCache names = new NameCache();
    Map<Integer, FdtNode> byPhandle = new HashMap<>();
    boolean rootSeen = false;
    int p = structStart;
    while (true) {
      if (p > end - 4) {
        throw fail(Problem.BAD_STRUCTURE, p, "structure block ends without an END token");
      }
      int token = Fdt.readInt(blob, p);
      switch (token) {
        case FDT_BEGIN_NODE -> {
          int nameStart = p + 4;
          int nul = indexOfNul(nameStart, end);
          if (nul < 0) {
            throw fail(Problem.BAD_STRUCTURE, nameStart, "node name not terminated in block");
          }
          int depth = open.size();
          @Nullable FdtNode parent = null;
          if (depth == 0) {
            if (rootSeen) {
              throw fail(Problem.BAD_STRUCTURE, p, "second root node");
            }
            if (nul != nameStart) {
              throw fail(Problem.BAD_STRUCTURE, nameStart, "root node name is not empty");
            }
            rootSeen = true;
          } else {
            if (nul == nameStart) {
              throw fail(Problem.BAD_STRUCTURE, nameStart, "empty node name");
            }
            for (int i = nameStart; i < nul; i++) {
              if (blob[i] == '/') {
                throw fail(Problem.BAD_STRUCTURE, i, "node name contains '/'");
              }
            }
            parent = open.get(depth - 1);
            closeProperties(parent, depth - 1, propScratch, propStart, propsDone, byPhandle);
          }
          String name = new String(blob, nameStart, nul - nameStart, StandardCharsets.ISO_8859_1);
          FdtNode node = new FdtNode(name, parent, nodes.size());
          nodes.add(node);
          childScratch.add(node);
          if (depth == propStart.length) {
            propStart = Arrays.copyOf(propStart, depth * 2);
            childStart = Arrays.copyOf(childStart, depth * 2);
            propsDone = Arrays.copyOf(propsDone, depth * 2);
          }
          open.add(node);
          propStart[depth] = propScratch.size();
          childStart[depth] = childScratch.size();
          propsDone[depth] = false;
          p = align(structStart, nul + 1);
        }
        case FDT_END_NODE -> {
          int depth = open.size();
          if (depth == 0) {
            throw fail(Problem.BAD_STRUCTURE, p, "END_NODE without an open node");
          }
          FdtNode node = open.remove(depth - 1);
          closeProperties(node, depth - 1, propScratch, propStart, propsDone, byPhandle);
          int first = childStart[depth - 1];
          if (first == childScratch.size()) {
            node.setChildren(ImmutableList.of(), nodes.size()); // a leaf: the common case
          } else {
            List<FdtNode> kids = childScratch.subList(first, childScratch.size());
            node.setChildren(ImmutableList.copyOf(kids), nodes.size());
            kids.clear();
          }
          p += 4;
        }
        case FDT_PROP -> {
          int depth = open.size();
          if (depth == 0) {
            throw fail(Problem.BAD_STRUCTURE, p, "property outside a node");
          }
          if (p > end - 12) {
            throw fail(Problem.BAD_STRUCTURE, p, "property header runs past the block");
          }
          long len = u32(p + 4);
          long nameOff = u32(p + 8);
          int valueStart = p + 12;
          if (len > end - valueStart) {
            throw fail(Problem.BAD_STRUCTURE, p, "property value runs past the block");
          }
          if (nameOff >= stringsSize) {
            throw fail(Problem.BAD_STRUCTURE, p + 8, "property name offset outside strings");
          }
          if (propsDone[depth - 1]) {
            throw fail(Problem.BAD_STRUCTURE, p, "property after a subnode");
          }
          String name = names.get((int) nameOff);
          if (name == null) {
            int nameStart = stringsStart + (int) nameOff;
            int nul = indexOfNul(nameStart, stringsStart + stringsSize);
            if (nul < 0) {
              throw fail(Problem.BAD_STRUCTURE, nameStart, "property name not terminated");
            }
            name = new String(blob, nameStart, nul - nameStart, StandardCharsets.ISO_8859_1);
            names.put((int) nameOff, name);
          }
          propScratch.add(new FdtProperty(name, blob, valueStart, (int) len));
          p = align(structStart, valueStart + (int) len);
        }
        case FDT_NOP -> p += 4;
        case FDT_END -> {
          if (!open.isEmpty()) {
            throw fail(Problem.BAD_STRUCTURE, p, "END token inside an open node");
          }
          if (!rootSeen) {
            throw fail(Problem.BAD_STRUCTURE, p, "no root node");
          }
          return new Fdt(
              header, reservations, ImmutableList.copyOf(nodes), ImmutableMap.copyOf(byPhandle));
        }
        default ->
            throw fail(Problem.BAD_STRUCTURE, p, "unknown token 0x" + Integer.toHexString(token));
      }
    }
  }

  /** Ends the property list of {@code node} (at its first subnode or its END_NODE). */
  private static void closeProperties(
      FdtNode node,
      int depth,
      List<FdtProperty> propScratch,
      int[] propStart,
      boolean[] propsDone,
      Map<Integer, FdtNode> byPhandle) {
    if (propsDone[depth]) {
      return;
    }
    propsDone[depth] = true;
    int first = propStart[depth];
    if (first < propScratch.size()) {
      List<FdtProperty> props = propScratch.subList(first, propScratch.size());
      node.setProperties(ImmutableList.copyOf(props));
      props.clear();
    }
    if (node.phandle().isPresent()) {
      byPhandle.putIfAbsent(node.phandle().getAsInt(), node);
    }
  }

  /**
   * Property names by strings-block offset: an open-addressing int→String table, because a blob
   * names few distinct properties many times and boxing keys would allocate per property.
   */
  private static final class NameCache {
    private int[] keys = new int[64];
    private @Nullable String[] values = new String[64];
    private int size;

    @Nullable String get(int key) {
      int mask = keys.length - 1;
      for (int i = mix(key) & mask; ; i = (i + 1) & mask) {
        String v = values[i];
        if (v == null || keys[i] == key) {
          return v;
        }
      }
    }

    void put(int key, String value) {
      if (2 * (size + 1) > keys.length) {
        int[] oldKeys = keys;
        @Nullable String[] oldValues = values;
        keys = new int[2 * oldKeys.length];
        values = new String[2 * oldKeys.length];
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
          String v = oldValues[i];
          if (v != null) {
            put(oldKeys[i], v);
          }
        }
      }
      int mask = keys.length - 1;
      int i = mix(key) & mask;
      while (values[i] != null) {
        i = (i + 1) & mask;
      }
      keys[i] = key;
      values[i] = value;
      size++;
    }

    private static int mix(int key) {
      return (key * 0x9e3779b9) >>> 7;
    }
  }

  private int indexOfNul(int from, int limit) {
    for (int i = from; i < limit; i++) {
      if (blob[i] == 0) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Rounds up to the next token boundary: tokens are 4-byte aligned relative to the start of the
   * structure block. May exceed the block end, which the walk then rejects.
   */
  private static int align(int blockStart, int offset) {
    return blockStart + ((offset - blockStart + 3) & ~3);
  }
}
