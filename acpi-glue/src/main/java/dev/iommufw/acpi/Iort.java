package dev.iommufw.acpi;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static dev.iommufw.acpi.AcpiTableException.Problem.BAD_CHECKSUM;
import static dev.iommufw.acpi.AcpiTableException.Problem.BAD_LENGTH;
import static dev.iommufw.acpi.AcpiTableException.Problem.BAD_OFFSET;
import static dev.iommufw.acpi.AcpiTableException.Problem.BAD_REFERENCE;
import static dev.iommufw.acpi.AcpiTableException.Problem.BAD_SIGNATURE;
import static dev.iommufw.acpi.AcpiTableException.Problem.CYCLE;
import static dev.iommufw.acpi.AcpiTableException.Problem.TOO_DEEP;
import static dev.iommufw.acpi.AcpiTableException.Problem.TRUNCATED;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A parsed, fully validated IORT (Arm DEN 0049).
 *
 * <p>{@link #parse(byte[])} runs every one of the <a
 * href="{@docRoot}/dev/iommufw/core/doc-files/report-formats.html#iort-checks">IORT checks</a> in
 * that order; the first failing check decides the exception. Once parsed, every ID mapping's
 * non-zero output reference is the start of a node, the reference graph is acyclic, and no chain is
 * longer than {@link #MAX_HOPS} hops, so the walks here always terminate.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class Iort {
  /** The longest chain of ID-mapping references accepted, in hops (a port decision). */
  public static final int MAX_HOPS = 8;

  private static final long U32 = 0xffffffffL;
  private static final int HEADER_SIZE = 48;
  private static final int NODE_HEADER_SIZE = 16;
  private static final int MAPPING_SIZE = 20;
  private static final int RMR_DESCRIPTOR_SIZE = 20;
  private static final byte[] SIGNATURE = {'I', 'O', 'R', 'T'};

  private final AcpiTableHeader header;
  private final long nodeCount;
  private final long nodeArrayOffset;
  private final boolean checksumValid;
  private final ImmutableList<IortNode> nodes;
  private final ImmutableMap<Long, IortNode> byOffset;

  private Iort(
      AcpiTableHeader header,
      long nodeCount,
      long nodeArrayOffset,
      boolean checksumValid,
      ImmutableList<IortNode> nodes) {
    this.header = header;
    this.nodeCount = nodeCount;
    this.nodeArrayOffset = nodeArrayOffset;
    this.checksumValid = checksumValid;
    this.nodes = nodes;
    ImmutableMap.Builder<Long, IortNode> map = ImmutableMap.builder();
    for (IortNode n : nodes) {
      map.put(n.offset(), n);
    }
    // A node of length >= 16 cannot start where another starts, so offsets are unique.
    this.byOffset = map.buildOrThrow();
  }

  /**
   * Parses and validates an IORT; a wrong checksum is an error.
   *
   * @param table the raw table bytes (exactly the table, as in {@code /sys/firmware/acpi/tables})
   * @return the table
   * @throws AcpiTableException if any of the IORT checks fails (the first one decides)
   */
  public static Iort parse(byte[] table) throws AcpiTableException {
    return parse(table, false);
  }

  /**
   * Parses and validates an IORT, optionally accepting a wrong checksum as Linux does
   * ("kernel-compatible mode": ACPICA only warns at install time). Check {@link #checksumValid()}
   * to report the warning.
   *
   * @param table the raw table bytes
   * @param acceptBadChecksum true to accept a wrong checksum
   * @return the table
   * @throws AcpiTableException if any other check fails
   */
  public static Iort parse(byte[] table, boolean acceptBadChecksum) throws AcpiTableException {
    checkNotNull(table);
    if (table.length < 4 || !Arrays.equals(Arrays.copyOf(table, 4), SIGNATURE)) {
      throw new AcpiTableException(BAD_SIGNATURE, null, "signature is not IORT");
    }
    long length = checkTableHeader(table);
    boolean checksumValid = Le.checksumOk(table);
    if (!checksumValid && !acceptBadChecksum) {
      throw new AcpiTableException(BAD_CHECKSUM, null, "IORT bytes do not sum to 0 mod 256");
    }
    long nodeCount = Le.u32(table, 36);
    long arrayOffset = Le.u32(table, 40);
    if (arrayOffset < HEADER_SIZE || arrayOffset > length) {
      throw new AcpiTableException(
          BAD_OFFSET, null, "node array offset " + arrayOffset + " outside [48, " + length + "]");
    }
    List<IortNode> nodes = new ArrayList<>();
    long pos = arrayOffset;
    // Every node is at least 16 bytes long, so the loop ends within length / 16 iterations.
    for (long i = 0; i < nodeCount; i++) {
      IortNode node = parseNode(table, pos, length);
      nodes.add(node);
      pos += node.header().length();
    }
    checkReferences(nodes);
    checkGraph(nodes);
    return new Iort(
        AcpiTableHeader.read(table),
        nodeCount,
        arrayOffset,
        checksumValid,
        ImmutableList.copyOf(nodes));
  }

  /** Step 1 of §4.1 after the signature: sizes and header length. Returns the table length. */
  static long checkTableHeader(byte[] table) throws AcpiTableException {
    if (table.length < AcpiTableHeader.SIZE) {
      throw new AcpiTableException(TRUNCATED, null, "table shorter than the ACPI header");
    }
    long length = Le.u32(table, 4);
    if (length > table.length) {
      throw new AcpiTableException(
          TRUNCATED, null, "header length " + length + " > " + table.length + " bytes present");
    }
    if (length < table.length || length < HEADER_SIZE) {
      throw new AcpiTableException(
          BAD_LENGTH, null, "header length " + length + " for " + table.length + " bytes");
    }
    return length;
  }

  private static AcpiTableException at(AcpiTableException.Problem p, long node, String what) {
    return new AcpiTableException(p, node, what + " (node at 0x" + Long.toHexString(node) + ")");
  }

  private static int minLength(int type) {
    return switch (type) {
      case IortNode.ITS_GROUP -> 20;
      case IortNode.NAMED_COMPONENT -> 30;
      case IortNode.ROOT_COMPLEX -> 36;
      case IortNode.SMMU -> 76;
      case IortNode.SMMU_V3 -> 68;
      case IortNode.PMCG -> 32;
      case IortNode.RMR -> 28;
      default -> NODE_HEADER_SIZE;
    };
  }

  private static IortNode parseNode(byte[] t, long pos, long length) throws AcpiTableException {
    if (pos + NODE_HEADER_SIZE > length) {
      throw at(TRUNCATED, pos, "node header past the table end");
    }
    int type = Le.u8(t, pos);
    int nodeLength = Le.u16(t, pos + 1);
    if (nodeLength < NODE_HEADER_SIZE) {
      throw at(BAD_LENGTH, pos, "node length " + nodeLength + " < 16");
    }
    if (pos + nodeLength > length) {
      throw at(TRUNCATED, pos, "node ends past the table");
    }
    if (nodeLength < minLength(type)) {
      throw at(BAD_LENGTH, pos, "node length " + nodeLength + " too small for type " + type);
    }
    long mappingCount = Le.u32(t, pos + 8);
    long mappingOffset = Le.u32(t, pos + 12);
    boolean hasArray = mappingCount > 0 && mappingOffset != 0;
    if (hasArray
        && (mappingOffset < NODE_HEADER_SIZE
            || mappingOffset + MAPPING_SIZE * mappingCount > nodeLength)) {
      throw at(BAD_OFFSET, pos, "ID mapping array outside the node");
    }
    ImmutableList.Builder<IortIdMapping> mappings = ImmutableList.builder();
    if (hasArray) {
      for (int i = 0; i < mappingCount; i++) {
        long m = pos + mappingOffset + (long) MAPPING_SIZE * i;
        mappings.add(
            new IortIdMapping(
                i,
                Le.u32(t, m),
                Le.u32(t, m + 4),
                Le.u32(t, m + 8),
                Le.u32(t, m + 12),
                (Le.u32(t, m + 16) & 1) != 0));
      }
    }
    IortNodeHeader h =
        new IortNodeHeader(
            pos,
            type,
            Le.u8(t, pos + 3),
            nodeLength,
            Le.u32(t, pos + 4),
            mappingCount,
            mappingOffset,
            mappings.build());
    switch (type) {
      case IortNode.ITS_GROUP -> {
        long count = Le.u32(t, pos + 16);
        if (20 + 4 * count > nodeLength) {
          throw at(BAD_LENGTH, pos, "ITS identifier array past the node end");
        }
        ImmutableList.Builder<Long> ids = ImmutableList.builder();
        for (int i = 0; i < count; i++) {
          ids.add(Le.u32(t, pos + 20 + 4L * i));
        }
        return new IortNode.ItsGroup(h, ids.build());
      }
      case IortNode.NAMED_COMPONENT -> {
        long end = hasArray && mappingOffset > 29 ? mappingOffset : nodeLength;
        int nul = -1;
        for (long i = 29; i < end; i++) {
          if (t[(int) (pos + i)] == 0) {
            nul = (int) i;
            break;
          }
        }
        if (nul < 0) {
          throw at(BAD_LENGTH, pos, "named component name without NUL");
        }
        String name = new String(t, (int) pos + 29, nul - 29, StandardCharsets.ISO_8859_1);
        return new IortNode.NamedComponent(
            h,
            Le.u32(t, pos + 16),
            Le.u32(t, pos + 20),
            Le.u8(t, pos + 27),
            Le.u8(t, pos + 28),
            name);
      }
      case IortNode.ROOT_COMPLEX -> {
        Integer limit = h.revision() >= 1 && nodeLength >= 33 ? Le.u8(t, pos + 32) : null;
        return new IortNode.RootComplex(
            h, Le.u32(t, pos + 16), Le.u32(t, pos + 24), Le.u32(t, pos + 28), limit);
      }
      case IortNode.SMMU -> {
        return new IortNode.Smmu(
            h,
            Le.u64(t, pos + 16),
            Le.u64(t, pos + 24),
            Le.u32(t, pos + 32),
            Le.u32(t, pos + 36),
            Le.u32(t, pos + 44));
      }
      case IortNode.SMMU_V3 -> {
        return new IortNode.SmmuV3(
            h,
            Le.u64(t, pos + 16),
            Le.u32(t, pos + 24),
            Le.u32(t, pos + 40),
            Le.u32(t, pos + 44),
            Le.u32(t, pos + 48),
            Le.u32(t, pos + 52),
            Le.u32(t, pos + 56),
            Le.u32(t, pos + 60),
            Le.u32(t, pos + 64));
      }
      case IortNode.PMCG -> {
        Long page1 = h.revision() >= 1 && nodeLength >= 40 ? Le.u64(t, pos + 32) : null;
        return new IortNode.Pmcg(
            h, Le.u64(t, pos + 16), Le.u32(t, pos + 24), Le.u32(t, pos + 28), page1);
      }
      case IortNode.RMR -> {
        long count = Le.u32(t, pos + 20);
        long off = Le.u32(t, pos + 24);
        if (count > 0
            && (off < NODE_HEADER_SIZE || off + RMR_DESCRIPTOR_SIZE * count > nodeLength)) {
          throw at(BAD_OFFSET, pos, "RMR memory range descriptors outside the node");
        }
        ImmutableList.Builder<IortNode.MemoryRange> ranges = ImmutableList.builder();
        for (int i = 0; i < count; i++) {
          long d = pos + off + (long) RMR_DESCRIPTOR_SIZE * i;
          ranges.add(new IortNode.MemoryRange(Le.u64(t, d), Le.u64(t, d + 8)));
        }
        return new IortNode.Rmr(h, Le.u32(t, pos + 16), ranges.build());
      }
      default -> {
        return new IortNode.Unknown(h);
      }
    }
  }

  private static void checkReferences(List<IortNode> nodes) throws AcpiTableException {
    java.util.Set<Long> starts = new java.util.HashSet<>();
    for (IortNode n : nodes) {
      starts.add(n.offset());
    }
    for (IortNode n : nodes) {
      for (IortIdMapping m : n.mappings()) {
        if (m.outputReference() != 0 && !starts.contains(m.outputReference())) {
          throw at(
              BAD_REFERENCE,
              n.offset(),
              "mapping "
                  + m.index()
                  + " references 0x"
                  + Long.toHexString(m.outputReference())
                  + ", not a node start");
        }
      }
    }
  }

  /** Step 5 of §4.1: cycles (Tarjan's SCC, iterative), then the longest reference chain. */
  private static void checkGraph(List<IortNode> nodes) throws AcpiTableException {
    int n = nodes.size();
    java.util.Map<Long, Integer> index = new java.util.HashMap<>();
    for (int i = 0; i < n; i++) {
      index.put(nodes.get(i).offset(), i);
    }
    int[][] succ = new int[n][];
    boolean[] selfLoop = new boolean[n];
    for (int i = 0; i < n; i++) {
      int[] s =
          nodes.get(i).mappings().stream()
              .mapToLong(IortIdMapping::outputReference)
              .filter(r -> r != 0)
              .distinct()
              .mapToInt(r -> checkNotNull(index.get(r)))
              .toArray();
      succ[i] = s;
      for (int j : s) {
        selfLoop[i] |= j == i;
      }
    }
    boolean[] onCycle = onCycle(succ, selfLoop);
    for (int i = 0; i < n; i++) {
      if (onCycle[i]) {
        throw at(CYCLE, nodes.get(i).offset(), "ID mapping references form a cycle");
      }
    }
    // Acyclic: longest path lengths by memoised iterative DFS (post-order).
    int[] depth = new int[n];
    boolean[] done = new boolean[n];
    int[] stack = new int[n];
    int[] next = new int[n];
    for (int root = 0; root < n; root++) {
      if (done[root]) {
        continue;
      }
      int sp = 0;
      stack[sp++] = root;
      next[root] = 0;
      while (sp > 0) {
        int v = stack[sp - 1];
        if (next[v] < succ[v].length) {
          int w = succ[v][next[v]++];
          if (!done[w]) {
            next[w] = 0;
            stack[sp++] = w;
          }
        } else {
          int d = 0;
          for (int w : succ[v]) {
            d = Math.max(d, depth[w] + 1);
          }
          depth[v] = d;
          done[v] = true;
          sp--;
        }
      }
    }
    for (int i = 0; i < n; i++) {
      if (depth[i] > MAX_HOPS) {
        throw at(TOO_DEEP, nodes.get(i).offset(), "reference chain of " + depth[i] + " hops");
      }
    }
  }

  /** Marks the vertices that lie on a cycle: in an SCC of size ≥ 2, or with a self-loop. */
  private static boolean[] onCycle(int[][] succ, boolean[] selfLoop) {
    int n = succ.length;
    int[] idx = new int[n];
    int[] low = new int[n];
    int[] comp = new int[n];
    boolean[] onStack = new boolean[n];
    Arrays.fill(idx, -1);
    int[] sccStack = new int[n];
    int ssp = 0;
    int[] callStack = new int[n];
    int[] next = new int[n];
    int counter = 0;
    int comps = 0;
    int[] compSize = new int[n];
    for (int root = 0; root < n; root++) {
      if (idx[root] >= 0) {
        continue;
      }
      int csp = 0;
      callStack[csp++] = root;
      idx[root] = low[root] = counter++;
      sccStack[ssp++] = root;
      onStack[root] = true;
      next[root] = 0;
      while (csp > 0) {
        int v = callStack[csp - 1];
        if (next[v] < succ[v].length) {
          int w = succ[v][next[v]++];
          if (idx[w] < 0) {
            idx[w] = low[w] = counter++;
            sccStack[ssp++] = w;
            onStack[w] = true;
            next[w] = 0;
            callStack[csp++] = w;
          } else if (onStack[w]) {
            low[v] = Math.min(low[v], idx[w]);
          }
        } else {
          csp--;
          if (csp > 0) {
            int parent = callStack[csp - 1];
            low[parent] = Math.min(low[parent], low[v]);
          }
          if (low[v] == idx[v]) {
            int w;
            do {
              w = sccStack[--ssp];
              onStack[w] = false;
              comp[w] = comps;
              compSize[comps]++;
            } while (w != v);
            comps++;
          }
        }
      }
    }
    boolean[] result = new boolean[n];
    for (int i = 0; i < n; i++) {
      result[i] = selfLoop[i] || compSize[comp[i]] > 1;
    }
    return result;
  }

  /**
   * The standard ACPI header.
   *
   * @return the header
   */
  public AcpiTableHeader header() {
    return header;
  }

  /**
   * The table revision (3 for QEMU 7.2; RMR is used by Linux only from 5 on).
   *
   * @return 0–255
   */
  public int revision() {
    return header.revision();
  }

  /**
   * The node count field (table +36), equal to {@code nodes().size()}.
   *
   * @return the node count
   */
  public long nodeCount() {
    return nodeCount;
  }

  /**
   * The node array offset (table +40).
   *
   * @return the offset from the table start
   */
  public long nodeArrayOffset() {
    return nodeArrayOffset;
  }

  /**
   * Whether the bytes summed to 0 mod 256. Always true unless parsed with {@code
   * acceptBadChecksum}; false means the caller should warn.
   *
   * @return the checksum verdict
   */
  public boolean checksumValid() {
    return checksumValid;
  }

  /**
   * The nodes in table order.
   *
   * @return the nodes
   */
  public ImmutableList<IortNode> nodes() {
    return nodes;
  }

  /**
   * The node that starts at {@code offset}.
   *
   * @param offset a table offset
   * @return the node, or null if no node starts there
   */
  public @Nullable IortNode node(long offset) {
    return byOffset.get(offset);
  }

  private IortNode target(IortIdMapping m) {
    // Validated at parse time: every non-zero reference is a node start.
    return checkNotNull(byOffset.get(m.outputReference()));
  }

  /**
   * Translates {@code id} from {@code start} toward a node of the {@code target} set (kernel:
   * {@code iort_node_map_id()}). Single mappings match only on named components and root complexes;
   * the special index of a node is skipped; a match on the last ID of a range is tentative until no
   * later mapping starting exactly at that ID matches (the count vs count − 1 workaround).
   *
   * @param start a node of this table
   * @param id the input ID (u32)
   * @param target where the walk should end
   * @return where it ended
   * @throws IllegalArgumentException if {@code start} is not a node of this table or {@code id} is
   *     not a u32
   */
  public IortWalkResult mapId(IortNode start, long id, IortTarget target) {
    checkNotNull(start);
    checkNotNull(target);
    checkArgument(byOffset.get(start.offset()) == start, "node is not from this table");
    checkArgument((id & ~U32) == 0, "id %s is not a u32", id);
    IortNode node = start;
    long cur = id;
    // Validation bounds every chain at MAX_HOPS; the extra bound keeps this loop finite anyway.
    for (int hop = 0; hop <= nodes.size(); hop++) {
      if (target.matches(node.typeCode())) {
        return new IortWalkResult.Reached(node, cur);
      }
      ImmutableList<IortIdMapping> maps = node.mappings();
      if (maps.isEmpty() || maps.get(0).outputReference() == 0) {
        return stop(node, cur, target);
      }
      Integer skip = node.specialIndex();
      boolean clientNode =
          node.typeCode() == IortNode.NAMED_COMPONENT || node.typeCode() == IortNode.ROOT_COMPLEX;
      IortIdMapping chosen = null;
      long chosenOut = 0;
      IortIdMapping tentative = null;
      long tentativeOut = 0;
      for (IortIdMapping m : maps) {
        if (skip != null && m.index() == skip) {
          continue;
        }
        if (m.single()) {
          if (clientNode) {
            chosen = m;
            chosenOut = m.outputBase();
            break;
          }
          continue; // firmware bug: single mappings only make sense on clients
        }
        if (cur < m.inputBase() || cur > m.inputEnd()) {
          continue;
        }
        if (tentative != null && cur != m.inputBase()) {
          continue;
        }
        long out = (m.outputBase() + cur - m.inputBase()) & U32;
        if (m.idCount() > 0 && cur == m.inputEnd()) {
          tentative = m;
          tentativeOut = out;
          continue;
        }
        chosen = m;
        chosenOut = out;
        break;
      }
      if (chosen == null) {
        if (tentative == null) {
          return stop(node, cur, target);
        }
        chosen = tentative;
        chosenOut = tentativeOut;
      }
      if (chosen.outputReference() == 0) {
        return stop(node, cur, target);
      }
      node = target(chosen);
      cur = chosenOut;
    }
    return new IortWalkResult.Stopped(node);
  }

  private static IortWalkResult stop(IortNode node, long id, IortTarget target) {
    if (node.typeCode() == IortNode.ITS_GROUP && !target.matches(IortNode.ITS_GROUP)) {
      return new IortWalkResult.StoppedAtIts(node, id);
    }
    return new IortWalkResult.Stopped(node);
  }

  /**
   * A platform ID: the output of a single mapping and the node it goes to.
   *
   * @param id the output base of the mapping
   * @param next the referenced node
   */
  public record PlatformId(long id, IortNode next) {}

  /**
   * The ID of mapping {@code index} of {@code node} when used without an input ID (kernel: {@code
   * iort_node_get_id()}). Only a single mapping with a non-zero reference, on a named component,
   * root complex, SMMUv3 or PMCG, gives one.
   *
   * @param node a node of this table
   * @param index the mapping index, ≥ 0
   * @return the ID and the next node, or null when the mapping gives none
   * @throws IllegalArgumentException if {@code node} is not from this table or index is negative
   */
  public @Nullable PlatformId nodeGetId(IortNode node, int index) {
    checkNotNull(node);
    checkArgument(byOffset.get(node.offset()) == node, "node is not from this table");
    checkArgument(index >= 0, "negative index %s", index);
    if (index >= node.mappings().size()) {
      return null;
    }
    IortIdMapping m = node.mappings().get(index);
    if (m.outputReference() == 0 || !m.single()) {
      return null;
    }
    return switch (node.typeCode()) {
      case IortNode.NAMED_COMPONENT, IortNode.ROOT_COMPLEX, IortNode.SMMU_V3, IortNode.PMCG ->
          new PlatformId(m.outputBase(), target(m));
      default -> null;
    };
  }

  /**
   * The platform-ID walk (kernel: {@code iort_node_map_platform_id()}): {@link #nodeGetId}, then,
   * unless the referenced node is already of the target type, {@link #mapId} from there.
   *
   * @param node a node of this table
   * @param target where the walk should end
   * @param index the mapping index, ≥ 0
   * @return where the walk ended, or null when {@link #nodeGetId} gives no ID
   * @throws IllegalArgumentException if {@code node} is not from this table or index is negative
   */
  public @Nullable IortWalkResult mapPlatformId(IortNode node, IortTarget target, int index) {
    checkNotNull(node);
    checkNotNull(target);
    PlatformId pid = nodeGetId(node, index);
    if (pid == null) {
      return null;
    }
    if (target.matches(pid.next().typeCode())) {
      return new IortWalkResult.Reached(pid.next(), pid.id());
    }
    return mapId(pid.next(), pid.id(), target);
  }

  /**
   * The first named component whose name equals {@code name} byte for byte (kernel: {@code
   * iort_match_node_callback()}, which compares the ACPICA full path, every segment padded to four
   * characters, e.g. {@code \_SB_.PCI0.DEV_}).
   *
   * @param name the device's full ACPI path, bytes as ISO-8859-1 chars
   * @return the node, or null
   */
  public IortNode.@Nullable NamedComponent findNamedComponent(String name) {
    checkNotNull(name);
    for (IortNode n : nodes) {
      if (n instanceof IortNode.NamedComponent nc && nc.name().equals(name)) {
        return nc;
      }
    }
    return null;
  }

  /**
   * Whether two ACPI paths would be equal once each segment is padded to four characters with
   * underscores and a missing leading backslash is ignored: a diagnostic for firmware that writes
   * the short form ({@code \_SB.GPU0}), which never matches in Linux.
   *
   * @param nodeName the named component's name
   * @param devicePath the device's full path
   * @return true if they match after normalisation
   */
  public static boolean matchesAfterNormalisation(String nodeName, String devicePath) {
    checkNotNull(nodeName);
    checkNotNull(devicePath);
    return normalise(nodeName).equals(normalise(devicePath));
  }

  private static String normalise(String path) {
    String p = path.startsWith("\\") ? path.substring(1) : path;
    StringBuilder sb = new StringBuilder("\\");
    String[] segs = p.split("\\.", -1);
    for (int i = 0; i < segs.length; i++) {
      StringBuilder seg = new StringBuilder(segs[i]);
      while (seg.length() < 4) {
        seg.append('_');
      }
      if (i > 0) {
        sb.append('.');
      }
      sb.append(seg);
    }
    return sb.toString();
  }

  /**
   * The first root complex whose segment number equals {@code segment} (kernel: {@code
   * iort_match_node_callback()} for PCI). Later root complexes with the same segment are shadowed.
   *
   * @param segment the PCI segment (domain)
   * @return the node, or null
   */
  public IortNode.@Nullable RootComplex findRootComplex(long segment) {
    for (IortNode n : nodes) {
      if (n instanceof IortNode.RootComplex rc && rc.segment() == segment) {
        return rc;
      }
    }
    return null;
  }
}
