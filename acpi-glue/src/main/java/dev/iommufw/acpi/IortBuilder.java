package dev.iommufw.acpi;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import com.google.common.collect.ImmutableList;
import com.google.errorprone.annotations.CanIgnoreReturnValue;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Assembles an IORT field by field, with a correct length and checksum, so tests and tools can make
 * tables without iasl. Nodes are laid out in the order added, starting at the node array offset;
 * each node's ID array follows its type-specific data. Mappings name their output node by the index
 * of an added node ({@link Mapping#to}), resolved to a table offset at {@link #build()}, so forward
 * references are fine.
 *
 * <p>The builder does not validate semantics: it can produce tables {@link Iort#parse} rejects
 * (cycles, dangling references), which is what tests of the parser need.
 */
public final class IortBuilder {
  /** One ID mapping to be written. */
  public static final class Mapping {
    final long inputBase;
    final long idCount;
    final long outputBase;
    final int target;
    final long rawReference;
    final boolean single;

    private Mapping(
        long inputBase, long idCount, long outputBase, int target, long rawRef, boolean single) {
      checkArgument(((inputBase | idCount | outputBase | rawRef) >>> 32) == 0, "u32 fields");
      this.inputBase = inputBase;
      this.idCount = idCount;
      this.outputBase = outputBase;
      this.target = target;
      this.rawReference = rawRef;
      this.single = single;
    }

    /**
     * A range mapping {@code [inputBase, inputBase + idCount] -> outputBase...} to the node added
     * with index {@code targetNode}.
     *
     * @param inputBase lowest input ID
     * @param idCount number of IDs minus one (raw field)
     * @param outputBase output ID of {@code inputBase}
     * @param targetNode index of the output node in the order nodes are added
     * @return the mapping
     */
    public static Mapping to(long inputBase, long idCount, long outputBase, int targetNode) {
      checkArgument(targetNode >= 0, "target node index %s", targetNode);
      return new Mapping(inputBase, idCount, outputBase, targetNode, 0, false);
    }

    /**
     * A single mapping (flag bit 0) giving {@code outputBase} toward node {@code targetNode}.
     *
     * @param outputBase the ID
     * @param targetNode index of the output node in the order nodes are added
     * @return the mapping
     */
    public static Mapping single(long outputBase, int targetNode) {
      checkArgument(targetNode >= 0, "target node index %s", targetNode);
      return new Mapping(0, 0, outputBase, targetNode, 0, true);
    }

    /**
     * A mapping written exactly as given, with a raw output reference (0, or any offset).
     *
     * @param inputBase lowest input ID
     * @param idCount number of IDs minus one
     * @param outputBase output ID of {@code inputBase}
     * @param outputReference the raw table offset written into the entry
     * @param single the single-mapping flag
     * @return the mapping
     */
    public static Mapping raw(
        long inputBase, long idCount, long outputBase, long outputReference, boolean single) {
      return new Mapping(inputBase, idCount, outputBase, -1, outputReference, single);
    }
  }

  private static final class Node {
    final int type;
    final int revision;
    final byte[] body; // bytes from node +16 up to the ID array
    final ImmutableList<Mapping> mappings;
    final byte[] tail; // written after the ID array (RMR descriptors)
    final int tailOffsetField; // node-relative offset where the tail offset goes, or -1
    final int pmcgTarget;

    Node(
        int type,
        int revision,
        byte[] body,
        List<Mapping> mappings,
        byte[] tail,
        int tailField,
        int pmcgTarget) {
      this.type = type;
      this.revision = revision;
      this.body = body;
      this.mappings = ImmutableList.copyOf(mappings);
      this.tail = tail;
      this.tailOffsetField = tailField;
      this.pmcgTarget = pmcgTarget;
    }

    int length() {
      return 16 + body.length + 20 * mappings.size() + tail.length;
    }
  }

  private int revision = 3;
  private byte[] oemId = "IOMMFW".getBytes(StandardCharsets.ISO_8859_1);
  private byte[] oemTableId = "FWSPEC  ".getBytes(StandardCharsets.ISO_8859_1);
  private int nodeArrayOffset = 48;
  private final List<Node> nodes = new ArrayList<>();

  /** Creates an empty builder: revision 3, node array at 48. */
  public IortBuilder() {}

  /**
   * Sets the table revision.
   *
   * @param value 0–255
   * @return this builder
   */
  @CanIgnoreReturnValue
  public IortBuilder revision(int value) {
    checkArgument(value >= 0 && value <= 0xff, "revision %s", value);
    revision = value;
    return this;
  }

  /**
   * Sets the OEM ID (padded with spaces / cut to 6 bytes).
   *
   * @param value ISO-8859-1 text
   * @return this builder
   */
  @CanIgnoreReturnValue
  public IortBuilder oemId(String value) {
    oemId = pad(value, 6);
    return this;
  }

  /**
   * Sets the OEM table ID (padded with spaces / cut to 8 bytes).
   *
   * @param value ISO-8859-1 text
   * @return this builder
   */
  @CanIgnoreReturnValue
  public IortBuilder oemTableId(String value) {
    oemTableId = pad(value, 8);
    return this;
  }

  /**
   * Sets the node array offset; the gap after the 48-byte header is zero-filled.
   *
   * @param value at least 48
   * @return this builder
   */
  @CanIgnoreReturnValue
  public IortBuilder nodeArrayOffset(int value) {
    checkArgument(value >= 48, "node array offset %s < 48", value);
    nodeArrayOffset = value;
    return this;
  }

  private static byte[] pad(String s, int n) {
    byte[] b = Arrays.copyOf(s.getBytes(StandardCharsets.ISO_8859_1), n);
    for (int i = s.length(); i < n; i++) {
      b[i] = ' ';
    }
    return b;
  }

  private int add(Node node) {
    checkArgument(node.length() <= 0xffff, "node too long: %s", node.length());
    nodes.add(node);
    return nodes.size() - 1;
  }

  /**
   * Adds an ITS group.
   *
   * @param revision node revision
   * @param itsIds GIC ITS identifiers
   * @return the node index, for {@link Mapping#to}
   */
  @CanIgnoreReturnValue
  public int addItsGroup(int revision, List<Long> itsIds) {
    checkNotNull(itsIds);
    byte[] body = new byte[4 + 4 * itsIds.size()];
    Le.put32(body, 0, itsIds.size());
    for (int i = 0; i < itsIds.size(); i++) {
      Le.put32(body, 4 + 4 * i, itsIds.get(i));
    }
    return add(new Node(IortNode.ITS_GROUP, revision, body, List.of(), new byte[0], -1, -1));
  }

  /**
   * Adds a named component; the name is NUL-terminated and zero-padded to a multiple of 4.
   *
   * @param revision node revision
   * @param name full ACPI path, ISO-8859-1
   * @param nodeFlags node flags (bit 0 stall, bits 5:1 PASID width)
   * @param mappings the ID mappings
   * @return the node index
   */
  @CanIgnoreReturnValue
  public int addNamedComponent(int revision, String name, long nodeFlags, List<Mapping> mappings) {
    checkNotNull(name);
    checkNotNull(mappings);
    byte[] n = name.getBytes(StandardCharsets.ISO_8859_1);
    int bodyLen = (29 + n.length + 1 + 3) / 4 * 4 - 16;
    byte[] body = new byte[bodyLen];
    Le.put32(body, 0, nodeFlags);
    Le.put32(body, 4, 1); // cache coherent
    Le.put8(body, 12, 48); // address size limit
    System.arraycopy(n, 0, body, 13, n.length);
    return add(new Node(IortNode.NAMED_COMPONENT, revision, body, mappings, new byte[0], -1, -1));
  }

  /**
   * Adds a PCI root complex (36-byte node data area, as Linux 6.1's struct).
   *
   * @param revision node revision
   * @param segment PCI segment number
   * @param atsAttribute ATS attribute word (bit 0 ATS)
   * @param mappings the ID mappings
   * @return the node index
   */
  @CanIgnoreReturnValue
  public int addRootComplex(int revision, long segment, long atsAttribute, List<Mapping> mappings) {
    checkNotNull(mappings);
    byte[] body = new byte[20];
    Le.put32(body, 0, 1);
    Le.put32(body, 8, atsAttribute);
    Le.put32(body, 12, segment);
    Le.put8(body, 16, 48);
    return add(new Node(IortNode.ROOT_COMPLEX, revision, body, mappings, new byte[0], -1, -1));
  }

  /**
   * Adds an SMMUv1/v2 with no context or PMU interrupts.
   *
   * @param revision node revision
   * @param base base address
   * @param model model code (3 = MMU-500)
   * @param mappings the ID mappings
   * @return the node index
   */
  @CanIgnoreReturnValue
  public int addSmmu(int revision, long base, long model, List<Mapping> mappings) {
    checkNotNull(mappings);
    byte[] body = new byte[60];
    Le.put64(body, 0, base);
    Le.put64(body, 8, 0x10000);
    Le.put32(body, 16, model);
    Le.put32(body, 24, 60); // global interrupt array at node +60
    Le.put32(body, 32, 76);
    Le.put32(body, 40, 76);
    return add(new Node(IortNode.SMMU, revision, body, mappings, new byte[0], -1, -1));
  }

  /**
   * Adds an SMMUv3.
   *
   * @param revision node revision (the DeviceID index counts from 1)
   * @param base base address
   * @param model model code
   * @param gsivs event, PRI, GERR and sync interrupts (0 = MSI)
   * @param deviceIdIndex DeviceID mapping index (node +64)
   * @param mappings the ID mappings
   * @return the node index
   */
  @CanIgnoreReturnValue
  public int addSmmuV3(
      int revision,
      long base,
      long model,
      long[] gsivs,
      long deviceIdIndex,
      List<Mapping> mappings) {
    checkNotNull(gsivs);
    checkNotNull(mappings);
    checkArgument(gsivs.length == 4, "four GSIVs");
    byte[] body = new byte[52];
    Le.put64(body, 0, base);
    Le.put32(body, 24, model);
    for (int i = 0; i < 4; i++) {
      Le.put32(body, 28 + 4 * i, gsivs[i]);
    }
    Le.put32(body, 48, deviceIdIndex);
    return add(new Node(IortNode.SMMU_V3, revision, body, mappings, new byte[0], -1, -1));
  }

  /**
   * Adds a PMCG (with page 1 base).
   *
   * @param revision node revision
   * @param page0Base page 0 base
   * @param overflowGsiv overflow interrupt (0 = MSI)
   * @param monitoredNode index of the monitored node, or -1 for a zero reference
   * @param mappings the ID mappings
   * @return the node index
   */
  @CanIgnoreReturnValue
  public int addPmcg(
      int revision, long page0Base, long overflowGsiv, int monitoredNode, List<Mapping> mappings) {
    checkNotNull(mappings);
    byte[] body = new byte[24];
    Le.put64(body, 0, page0Base);
    Le.put32(body, 8, overflowGsiv);
    Le.put64(body, 16, page0Base + 0x10000);
    return add(new Node(IortNode.PMCG, revision, body, mappings, new byte[0], -1, monitoredNode));
  }

  /**
   * Adds an RMR node; its memory range descriptors follow the ID array.
   *
   * @param revision node revision
   * @param rmrFlags RMR flags
   * @param ranges the memory ranges
   * @param mappings the ID mappings
   * @return the node index
   */
  @CanIgnoreReturnValue
  public int addRmr(
      int revision, long rmrFlags, List<IortNode.MemoryRange> ranges, List<Mapping> mappings) {
    checkNotNull(ranges);
    checkNotNull(mappings);
    byte[] body = new byte[12];
    Le.put32(body, 0, rmrFlags);
    Le.put32(body, 4, ranges.size());
    byte[] tail = new byte[20 * ranges.size()];
    for (int i = 0; i < ranges.size(); i++) {
      Le.put64(tail, 20 * i, ranges.get(i).base());
      Le.put64(tail, 20 * i + 8, ranges.get(i).length());
    }
    return add(new Node(IortNode.RMR, revision, body, mappings, tail, 24, -1));
  }

  /**
   * Adds a node of an arbitrary (normally unknown) type with no type-specific data.
   *
   * @param type the type code
   * @param mappings the ID mappings
   * @return the node index
   */
  @CanIgnoreReturnValue
  public int addUnknown(int type, List<Mapping> mappings) {
    checkNotNull(mappings);
    checkArgument(type >= 0 && type <= 0xff, "type %s", type);
    return add(new Node(type, 0, new byte[0], mappings, new byte[0], -1, -1));
  }

  /**
   * The table offset node {@code index} will have.
   *
   * @param index a node index returned by an {@code add} method
   * @return its table offset
   */
  public int offsetOf(int index) {
    checkArgument(index >= 0 && index < nodes.size(), "no node %s", index);
    int off = nodeArrayOffset;
    for (int i = 0; i < index; i++) {
      off += nodes.get(i).length();
    }
    return off;
  }

  /**
   * Writes the table.
   *
   * @return the table bytes, checksum set
   * @throws IllegalStateException if a mapping or PMCG names a node index that was never added
   */
  public byte[] build() {
    int[] offsets = new int[nodes.size()];
    int total = nodeArrayOffset;
    for (int i = 0; i < nodes.size(); i++) {
      offsets[i] = total;
      total += nodes.get(i).length();
    }
    byte[] t = new byte[total];
    t[0] = 'I';
    t[1] = 'O';
    t[2] = 'R';
    t[3] = 'T';
    Le.put32(t, 4, total);
    Le.put8(t, 8, revision);
    System.arraycopy(oemId, 0, t, 10, 6);
    System.arraycopy(oemTableId, 0, t, 16, 8);
    Le.put32(t, 24, 1);
    System.arraycopy("IOFW".getBytes(StandardCharsets.ISO_8859_1), 0, t, 28, 4);
    Le.put32(t, 32, 1);
    Le.put32(t, 36, nodes.size());
    Le.put32(t, 40, nodeArrayOffset);
    for (int i = 0; i < nodes.size(); i++) {
      Node n = nodes.get(i);
      int p = offsets[i];
      Le.put8(t, p, n.type);
      Le.put16(t, p + 1, n.length());
      Le.put8(t, p + 3, n.revision);
      Le.put32(t, p + 4, i);
      Le.put32(t, p + 8, n.mappings.size());
      int arrayOff = 16 + n.body.length;
      Le.put32(t, p + 12, n.mappings.isEmpty() ? 0 : arrayOff);
      System.arraycopy(n.body, 0, t, p + 16, n.body.length);
      for (int k = 0; k < n.mappings.size(); k++) {
        Mapping m = n.mappings.get(k);
        int e = p + arrayOff + 20 * k;
        long ref;
        if (m.target >= 0) {
          checkState(m.target < nodes.size(), "mapping to node %s, never added", m.target);
          ref = offsets[m.target];
        } else {
          ref = m.rawReference;
        }
        Le.put32(t, e, m.inputBase);
        Le.put32(t, e + 4, m.idCount);
        Le.put32(t, e + 8, m.outputBase);
        Le.put32(t, e + 12, ref);
        Le.put32(t, e + 16, m.single ? 1 : 0);
      }
      if (n.tailOffsetField >= 0) {
        int tailOff = arrayOff + 20 * n.mappings.size();
        Le.put32(t, p + n.tailOffsetField, tailOff);
        System.arraycopy(n.tail, 0, t, p + tailOff, n.tail.length);
      }
      if (n.type == IortNode.PMCG && n.pmcgTarget >= 0) {
        checkState(n.pmcgTarget < nodes.size(), "PMCG monitors node %s, never added", n.pmcgTarget);
        Le.put32(t, p + 28, offsets[n.pmcgTarget]);
      }
    }
    Le.fixChecksum(t);
    return t;
  }
}
