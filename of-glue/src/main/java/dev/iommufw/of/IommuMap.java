package dev.iommufw.of;

import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableList;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The {@code iommu-map} and {@code iommu-map-mask} properties of one node, and the ID look-up
 * through them (kernel: {@code of_map_id()}).
 *
 * <p>All arithmetic is unsigned 32-bit with wrap-around; IDs, bases and lengths are {@code int} bit
 * patterns.
 */
public final class IommuMap {
  /**
   * One 4-cell tuple of {@code iommu-map}.
   *
   * @param index the tuple index, from 0
   * @param ridBase the first input ID covered ({@code rid-base})
   * @param phandle the phandle cell
   * @param iommu the node the phandle resolves to, or null
   * @param outBase the output ID for {@code ridBase}
   * @param length how many IDs the tuple covers (a count; 0 covers nothing)
   */
  public record Entry(
      int index, int ridBase, int phandle, @Nullable FdtNode iommu, int outBase, int length) {}

  private static final int NO_MASK = 0xffffffff;

  /**
   * Above this many tuples an untargeted look-up goes through an {@link Index}: a linear scan per
   * look-up made a report over a long map (one look-up per tuple) quadratic.
   */
  static final int INDEX_THRESHOLD = 16;

  private final boolean present;
  private final boolean badLength;
  private final int mask;
  private final ImmutableList<Entry> entries;
  // Racy single-check caching is safe: Index is immutable and building it is idempotent.
  private @Nullable Index index;

  private IommuMap(boolean present, boolean badLength, int mask, ImmutableList<Entry> entries) {
    this.present = present;
    this.badLength = badLength;
    this.mask = mask;
    this.entries = entries;
  }

  /**
   * Reads the map of {@code node}.
   *
   * @param fdt the tree that holds {@code node}, to resolve phandles
   * @param node the node (a PCI host bridge or an ID-supplying bus)
   * @return the map; {@link #isPresent()} is false when the node has no {@code iommu-map}
   */
  public static IommuMap parse(Fdt fdt, FdtNode node) {
    checkNotNull(fdt);
    checkNotNull(node);
    int mask = node.u32("iommu-map-mask").orElse(NO_MASK);
    FdtProperty prop = node.property("iommu-map");
    if (prop == null) {
      return new IommuMap(false, false, mask, ImmutableList.of());
    }
    if (prop.length() == 0 || prop.length() % 16 != 0) {
      return new IommuMap(true, true, mask, ImmutableList.of());
    }
    int[] cells = prop.cells();
    ImmutableList.Builder<Entry> entries = ImmutableList.builderWithExpectedSize(cells.length / 4);
    for (int k = 0; k < cells.length / 4; k++) {
      int phandle = cells[4 * k + 1];
      entries.add(
          new Entry(
              k,
              cells[4 * k],
              phandle,
              fdt.nodeByPhandle(phandle),
              cells[4 * k + 2],
              cells[4 * k + 3]));
    }
    return new IommuMap(true, false, mask, entries.build());
  }

  /**
   * Whether the node has an {@code iommu-map} property.
   *
   * @return true if present
   */
  public boolean isPresent() {
    return present;
  }

  /**
   * Whether the property length is 0 or not a multiple of 16 bytes (then there are no entries and
   * every look-up fails with {@code EINVAL}).
   *
   * @return true for a bad length
   */
  public boolean hasBadLength() {
    return badLength;
  }

  /**
   * The mask applied to input IDs: the u32 {@code iommu-map-mask}, else {@code 0xffffffff}.
   *
   * @return the mask
   */
  public int mask() {
    return mask;
  }

  /**
   * The tuples in property order; empty when the length is bad or the property is absent.
   *
   * @return the entries
   */
  public ImmutableList<Entry> entries() {
    return entries;
  }

  /**
   * Maps an input ID with an empty target filter, as the IOMMU glue does.
   *
   * @param id the input ID (a PCI RID, or a bus-supplied ID)
   * @return the result
   */
  public MapResult mapId(int id) {
    return map(id, null);
  }

  /**
   * Maps an input ID, considering only tuples whose target is {@code target} (the MSI code's
   * fixed-target use). A matching tuple whose phandle does not resolve still ends the look-up.
   *
   * @param id the input ID
   * @param target the required target node
   * @return the result
   */
  public MapResult mapId(int id, FdtNode target) {
    return map(id, checkNotNull(target));
  }

  private MapResult map(int id, @Nullable FdtNode target) {
    if (!present) {
      // The IOMMU glue always asks for a target, so a missing map is -ENODEV.
      return new MapResult.Failed(OfError.ENODEV, null);
    }
    if (badLength) {
      return new MapResult.Failed(OfError.EINVAL, null);
    }
    int masked = id & mask;
    if (target == null && entries.size() > INDEX_THRESHOLD) {
      Index ix = index;
      if (ix == null) {
        ix = new Index(entries, mask);
        index = ix;
      }
      return ix.lookup(id, masked);
    }
    for (Entry e : entries) {
      if ((e.ridBase() & ~mask) != 0) {
        return new MapResult.Failed(OfError.EFAULT, e.index());
      }
      int end = e.ridBase() + e.length();
      if (Integer.compareUnsigned(masked, e.ridBase()) < 0
          || Integer.compareUnsigned(masked, end) >= 0) {
        continue;
      }
      FdtNode node = e.iommu();
      int out = masked - e.ridBase() + e.outBase();
      if (node == null) {
        return new MapResult.Mapped(e.index(), null, out);
      }
      if (target != null && node != target) {
        continue;
      }
      return new MapResult.Mapped(e.index(), node, out);
    }
    return new MapResult.NoMatch(id);
  }

  /**
   * The untargeted look-up as a sorted table of disjoint ID intervals, each labelled with the first
   * tuple that covers it; equal to the scan of {@link #map} for a null target. Only tuples before
   * the first one whose {@code rid-base} has bits outside the mask can win: reaching that tuple
   * ends the scan with {@code EFAULT}. Built in O(n log n), looked up in O(log n).
   */
  private static final class Index {
    private final ImmutableList<Entry> entries;
    private final int fault; // index of the first tuple failing the mask check, or -1
    private final long[] starts;
    private final long[] ends; // exclusive
    private final int[] winners;

    Index(ImmutableList<Entry> entries, int mask) {
      this.entries = entries;
      int f = -1;
      for (Entry e : entries) {
        if ((e.ridBase() & ~mask) != 0) {
          f = e.index();
          break;
        }
      }
      this.fault = f;
      int live = f < 0 ? entries.size() : f;
      // Paint the tuples from last to first, so that an earlier tuple overwrites a later one.
      TreeMap<Long, long[]> painted = new TreeMap<>(); // start -> {end, tuple}
      for (int k = live - 1; k >= 0; k--) {
        Entry e = entries.get(k);
        long start = Integer.toUnsignedLong(e.ridBase());
        long end = Integer.toUnsignedLong(e.ridBase() + e.length());
        if (end <= start) {
          continue; // covers nothing (also when the sum wraps past 2^32)
        }
        Map.Entry<Long, long[]> below = painted.lowerEntry(start);
        if (below != null && below.getValue()[0] > start) {
          long[] v = below.getValue();
          if (v[0] > end) {
            painted.put(end, new long[] {v[0], v[1]});
          }
          v[0] = start;
        }
        Map.Entry<Long, long[]> in = painted.ceilingEntry(start);
        while (in != null && in.getKey() < end) {
          long[] v = in.getValue();
          painted.remove(in.getKey());
          if (v[0] > end) {
            painted.put(end, v);
            break;
          }
          in = painted.ceilingEntry(start);
        }
        painted.put(start, new long[] {end, k});
      }
      int n = painted.size();
      starts = new long[n];
      ends = new long[n];
      winners = new int[n];
      int i = 0;
      for (Map.Entry<Long, long[]> e : painted.entrySet()) {
        starts[i] = e.getKey();
        ends[i] = e.getValue()[0];
        winners[i] = (int) e.getValue()[1];
        i++;
      }
    }

    MapResult lookup(int id, int masked) {
      long x = Integer.toUnsignedLong(masked);
      int i = Arrays.binarySearch(starts, x);
      if (i < 0) {
        i = -i - 2; // the last interval starting below x
      }
      if (i >= 0 && x < ends[i]) {
        Entry e = entries.get(winners[i]);
        return new MapResult.Mapped(e.index(), e.iommu(), masked - e.ridBase() + e.outBase());
      }
      return fault >= 0 ? new MapResult.Failed(OfError.EFAULT, fault) : new MapResult.NoMatch(id);
    }
  }

  @Override
  public String toString() {
    return "IommuMap{present="
        + present
        + ", badLength="
        + badLength
        + ", mask=0x"
        + Integer.toHexString(mask)
        + ", entries="
        + entries
        + "}";
  }
}
