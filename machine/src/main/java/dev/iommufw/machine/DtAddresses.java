package dev.iommufw.machine;

import dev.iommufw.of.FdtNode;
import dev.iommufw.of.FdtProperty;
import java.util.OptionalLong;

/**
 * A DT node's first {@code reg} address translated to the root's address space (kernel: {@code
 * of_translate_address()}), for IOMMU instance names.
 */
final class DtAddresses {
  private DtAddresses() {}

  /**
   * The node's first {@code reg} address, translated through every ancestor's {@code ranges}.
   *
   * @return the address, or empty when {@code reg} is too short or a bus does not translate it
   */
  static OptionalLong translatedBase(FdtNode node) {
    FdtNode parent = node.parent();
    FdtProperty reg = node.property("reg");
    if (parent == null || reg == null) {
      return OptionalLong.empty();
    }
    int ac = parent.addressCells();
    if (ac < 1 || ac > 4 || reg.cellCount() < ac) {
      return OptionalLong.empty();
    }
    long addr = read(reg, 0, ac);
    // Iterative over the ancestors: depth is bounded by the tree, never recursion.
    for (FdtNode bus = parent; bus.parent() != null; bus = bus.parent()) {
      FdtNode up = bus.parent();
      FdtProperty ranges = bus.property("ranges");
      if (ranges == null || up == null) {
        return OptionalLong.empty();
      }
      if (ranges.isEmpty()) {
        continue; // identity mapping
      }
      int childAc = bus.addressCells();
      int parentAc = up.addressCells();
      int childSc = bus.sizeCells();
      if (childAc < 1
          || childAc > 4
          || parentAc < 1
          || parentAc > 4
          || childSc < 0
          || childSc > 4) {
        return OptionalLong.empty();
      }
      int width = childAc + parentAc + childSc;
      boolean hit = false;
      for (int at = 0; at + width <= ranges.cellCount(); at += width) {
        long child = read(ranges, at, childAc);
        long parentBase = read(ranges, at + childAc, parentAc);
        long size = read(ranges, at + childAc + parentAc, childSc);
        if (Long.compareUnsigned(addr, child) >= 0
            && Long.compareUnsigned(addr - child, size) < 0) {
          addr = addr - child + parentBase;
          hit = true;
          break;
        }
      }
      if (!hit) {
        return OptionalLong.empty();
      }
    }
    return OptionalLong.of(addr);
  }

  /** The low 64 bits of {@code n} big-endian cells starting at cell {@code at}. */
  private static long read(FdtProperty p, int at, int n) {
    long v = 0;
    for (int i = 0; i < n; i++) {
      v = v << 32 | Integer.toUnsignedLong(p.cell(at + i));
    }
    return v;
  }
}
