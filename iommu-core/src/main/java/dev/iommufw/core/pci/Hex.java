package dev.iommufw.core.pci;

import com.google.common.primitives.ImmutableIntArray;

/** Hex formatting for {@code toString}: every ID the API prints is hex. */
final class Hex {
  private Hex() {}

  /** The IDs as {@code [0x10, 0x11]}. */
  static String ids(ImmutableIntArray ids) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < ids.length(); i++) {
      sb.append(i == 0 ? "" : ", ").append("0x").append(Integer.toHexString(ids.get(i)));
    }
    return sb.append(']').toString();
  }

  /** One value as {@code 0x10}. */
  static String of(int value) {
    return "0x" + Integer.toHexString(value);
  }
}
