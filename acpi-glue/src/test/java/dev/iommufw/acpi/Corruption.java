package dev.iommufw.acpi;

import java.util.Arrays;
import java.util.Random;

/** Random damage to a table: flipped bytes, interesting values, truncation, extension. */
final class Corruption {
  private static final int[] INTERESTING = {0, 1, 0x7f, 0x80, 0xff, 0x10, 0x14, 0x30};

  private Corruption() {}

  static byte[] corrupt(byte[] table, Random r) {
    byte[] t = table.clone();
    int edits = 1 + r.nextInt(4);
    for (int e = 0; e < edits; e++) {
      int kind = r.nextInt(10);
      if (kind == 0 && t.length > 1) {
        t = Arrays.copyOf(t, r.nextInt(t.length));
      } else if (kind == 1) {
        t = Arrays.copyOf(t, t.length + 1 + r.nextInt(64));
      } else if (t.length > 0) {
        int pos = r.nextInt(t.length);
        t[pos] = (byte) (r.nextBoolean() ? r.nextInt(256) : INTERESTING[r.nextInt(8)]);
      }
    }
    // Keep the header length and checksum consistent most of the time, so the damage reaches
    // the node checks instead of stopping at the first table-level check.
    if (t.length >= 36 && r.nextInt(4) != 0) {
      if (r.nextBoolean()) {
        Le.put32(t, 4, t.length);
      }
      Le.fixChecksum(t);
    }
    return t;
  }
}
