package dev.iommufw.acpi;

/** Little-endian field reads on a table whose bounds the caller has already checked. */
final class Le {
  private Le() {}

  static int u8(byte[] b, long off) {
    return b[(int) off] & 0xff;
  }

  static int u16(byte[] b, long off) {
    return u8(b, off) | u8(b, off + 1) << 8;
  }

  static long u32(byte[] b, long off) {
    return (u16(b, off) | (long) u16(b, off + 2) << 16) & 0xffffffffL;
  }

  static long u64(byte[] b, long off) {
    return u32(b, off) | u32(b, off + 4) << 32;
  }

  static void put8(byte[] b, int off, long v) {
    b[off] = (byte) v;
  }

  static void put16(byte[] b, int off, long v) {
    put8(b, off, v);
    put8(b, off + 1, v >>> 8);
  }

  static void put32(byte[] b, int off, long v) {
    put16(b, off, v);
    put16(b, off + 2, v >>> 16);
  }

  static void put64(byte[] b, int off, long v) {
    put32(b, off, v);
    put32(b, off + 4, v >>> 32);
  }

  /** Sets byte 9 (the ACPI header checksum) so that all bytes sum to 0 mod 256. */
  static void fixChecksum(byte[] table) {
    table[9] = 0;
    int sum = 0;
    for (byte x : table) {
      sum += x;
    }
    table[9] = (byte) -sum;
  }

  static boolean checksumOk(byte[] table) {
    int sum = 0;
    for (byte x : table) {
      sum += x;
    }
    return (sum & 0xff) == 0;
  }
}
