package dev.iommufw.acpi;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.jspecify.annotations.Nullable;

/**
 * Random IORT descriptions for property tests: each node's mappings only reference nodes added
 * after it, so the reference graph is acyclic and chains are shorter than {@link Iort#MAX_HOPS}.
 * IDs are small so that ranges overlap and walks hit range edges often.
 */
final class RandomIort {
  record MapSpec(long inBase, long count, long outBase, int target, boolean single) {}

  record NodeSpec(
      int type,
      int revision,
      List<MapSpec> maps,
      List<Long> itsIds,
      String name,
      long flags,
      long segment,
      long ats,
      long base,
      long model,
      List<Long> gsivList,
      long deviceIdIndex,
      long overflow,
      int monitored,
      List<IortNode.MemoryRange> ranges) {
    long[] gsivs() {
      return gsivList.stream().mapToLong(Long::longValue).toArray();
    }
  }

  final int revision;
  final List<NodeSpec> nodes;

  private RandomIort(int revision, List<NodeSpec> nodes) {
    this.revision = revision;
    this.nodes = nodes;
  }

  static RandomIort generate(long seed) {
    Random r = new Random(seed);
    int n = 1 + r.nextInt(8);
    List<NodeSpec> nodes = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int[] types = {0, 1, 1, 2, 2, 3, 4, 4, 5, 6, 9};
      int type = types[r.nextInt(types.length)];
      List<MapSpec> maps = new ArrayList<>();
      int mapCount = i == n - 1 || type == 0 ? 0 : r.nextInt(4);
      for (int k = 0; k < mapCount; k++) {
        int target = i + 1 + r.nextInt(n - i - 1);
        maps.add(
            new MapSpec(
                r.nextInt(48),
                r.nextInt(5) == 0 ? 0 : r.nextInt(24),
                r.nextInt(64),
                target,
                r.nextInt(5) == 0));
      }
      List<Long> its = new ArrayList<>();
      for (int k = r.nextInt(3); k > 0; k--) {
        its.add((long) r.nextInt(1000));
      }
      long[] gsivs = new long[4];
      for (int k = 0; k < 4; k++) {
        gsivs[k] = r.nextBoolean() ? 0 : 100 + r.nextInt(100);
      }
      List<IortNode.MemoryRange> ranges = new ArrayList<>();
      for (int k = r.nextInt(3); k > 0; k--) {
        ranges.add(new IortNode.MemoryRange(0x10000L * r.nextInt(1 << 20), 0x10000L));
      }
      String name = "\\_SB_." + (char) ('A' + r.nextInt(3)) + "DV" + r.nextInt(3);
      nodes.add(
          new NodeSpec(
              type,
              r.nextInt(3),
              maps,
              its,
              name,
              r.nextInt(64),
              r.nextInt(3),
              r.nextInt(8),
              r.nextLong() & 0xffffffffffffL,
              r.nextInt(4),
              java.util.Arrays.stream(gsivs).boxed().toList(),
              r.nextInt(4),
              r.nextBoolean() ? 0 : 77,
              r.nextInt(n + 1) - 1,
              ranges));
    }
    return new RandomIort(r.nextInt(7), nodes);
  }

  IortBuilder builder() {
    IortBuilder b = new IortBuilder().revision(revision);
    for (NodeSpec s : nodes) {
      List<IortBuilder.Mapping> maps = new ArrayList<>();
      for (MapSpec m : s.maps()) {
        maps.add(
            m.single()
                ? IortBuilder.Mapping.single(m.outBase(), m.target())
                : IortBuilder.Mapping.to(m.inBase(), m.count(), m.outBase(), m.target()));
      }
      switch (s.type()) {
        case 0 -> b.addItsGroup(s.revision(), s.itsIds());
        case 1 -> b.addNamedComponent(s.revision(), s.name(), s.flags(), maps);
        case 2 -> b.addRootComplex(s.revision(), s.segment(), s.ats(), maps);
        case 3 -> b.addSmmu(s.revision(), s.base(), s.model(), maps);
        case 4 ->
            b.addSmmuV3(s.revision(), s.base(), s.model(), s.gsivs(), s.deviceIdIndex(), maps);
        case 5 -> b.addPmcg(s.revision(), s.base(), s.overflow(), s.monitored(), maps);
        case 6 -> b.addRmr(s.revision(), s.flags(), s.ranges(), maps);
        default -> b.addUnknown(s.type(), maps);
      }
    }
    return b;
  }

  // ---- the reference model of the walk, written against the specs, not the parsed table ----

  /** Result of the model walk: final node index, final id (or -1 if stopped elsewhere). */
  record ModelResult(String kind, int node, long id) {}

  @Nullable Integer modelSpecialIndex(NodeSpec s) {
    if (s.type() == 4) {
      boolean allWired =
          s.gsivs()[0] != 0 && s.gsivs()[1] != 0 && s.gsivs()[2] != 0 && s.gsivs()[3] != 0;
      if (s.revision() < 1 || allWired || s.deviceIdIndex() >= s.maps().size()) {
        return null;
      }
      return (int) s.deviceIdIndex();
    }
    if (s.type() == 5 && s.overflow() == 0 && !s.maps().isEmpty()) {
      return 0;
    }
    return null;
  }

  ModelResult modelWalk(int start, long id, boolean toIommu) {
    int node = start;
    long cur = id;
    while (true) {
      NodeSpec s = nodes.get(node);
      boolean isTarget = toIommu ? (s.type() == 3 || s.type() == 4) : s.type() == 0;
      if (isTarget) {
        return new ModelResult("reached", node, cur);
      }
      if (s.maps().isEmpty()) {
        return stopped(node, cur, toIommu);
      }
      Integer skip = modelSpecialIndex(s);
      MapSpec found = null;
      long foundOut = 0;
      MapSpec lastIdOnly = null;
      long lastIdOnlyOut = 0;
      for (int k = 0; k < s.maps().size(); k++) {
        if (skip != null && skip == k) {
          continue;
        }
        MapSpec m = s.maps().get(k);
        if (m.single()) {
          if (s.type() == 1 || s.type() == 2) {
            found = m;
            foundOut = m.outBase();
            break;
          }
          continue;
        }
        boolean inRange = cur >= m.inBase() && cur <= m.inBase() + m.count();
        if (!inRange) {
          continue;
        }
        boolean onlyLast = m.count() > 0 && cur == m.inBase() + m.count();
        if (lastIdOnly != null) {
          // an earlier range matched only on its last ID: only a range starting here overrides
          if (cur == m.inBase()) {
            found = m;
            foundOut = m.outBase();
            break;
          }
          continue;
        }
        if (onlyLast) {
          lastIdOnly = m;
          lastIdOnlyOut = m.outBase() + m.count();
          continue;
        }
        found = m;
        foundOut = m.outBase() + (cur - m.inBase());
        break;
      }
      if (found == null) {
        found = lastIdOnly;
        foundOut = lastIdOnlyOut;
      }
      if (found == null) {
        return stopped(node, cur, toIommu);
      }
      node = found.target();
      cur = foundOut;
    }
  }

  private ModelResult stopped(int node, long id, boolean toIommu) {
    if (toIommu && nodes.get(node).type() == 0) {
      return new ModelResult("its", node, id);
    }
    return new ModelResult("stopped", node, -1);
  }
}
