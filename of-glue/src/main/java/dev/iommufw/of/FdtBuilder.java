package dev.iommufw.of;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableList;
import com.google.errorprone.annotations.CanIgnoreReturnValue;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a device tree in code and emits it as a v17 blob, so that tests and users can describe
 * topologies without {@code dtc}.
 *
 * <pre>{@code
 * FdtBuilder b = new FdtBuilder();
 * FdtBuilder.Node smmu = b.root().addChild("iommu@1000")
 *     .strings("compatible", "arm,smmu-v3").cells("#iommu-cells", 1).phandle(1);
 * b.root().addChild("dev@2000").cells("iommus", 1, 0x42);
 * Fdt fdt = Fdt.parse(b.build());
 * }</pre>
 *
 * <p>Properties are emitted before subnodes in each node, in the order they were added. Names are
 * ISO-8859-1 strings. Not thread-safe.
 */
public final class FdtBuilder {
  private final Node root = new Node("");
  private final List<FdtReservation> reservations = new ArrayList<>();
  private int bootCpuId;

  /** Creates a builder holding an empty root node. */
  public FdtBuilder() {}

  /**
   * The root node.
   *
   * @return the root's builder
   */
  public Node root() {
    return root;
  }

  /**
   * Sets the header's {@code boot_cpuid_phys}.
   *
   * @param bootCpuId the value
   * @return this builder
   */
  @CanIgnoreReturnValue
  public FdtBuilder bootCpuId(int bootCpuId) {
    this.bootCpuId = bootCpuId;
    return this;
  }

  /**
   * Adds a memory reservation entry.
   *
   * @param address start address
   * @param size size in bytes; (0, 0) is the list terminator and not allowed
   * @return this builder
   * @throws IllegalArgumentException for the (0, 0) entry
   */
  @CanIgnoreReturnValue
  public FdtBuilder addReservation(long address, long size) {
    checkArgument(address != 0 || size != 0, "(0, 0) terminates the reservation list");
    reservations.add(new FdtReservation(address, size));
    return this;
  }

  /**
   * Emits the tree as a v17 blob (last compatible version 16).
   *
   * @return the blob
   */
  public byte[] build() {
    ByteArrayOutputStream struct = new ByteArrayOutputStream();
    ByteArrayOutputStream strings = new ByteArrayOutputStream();
    Map<String, Integer> stringOffsets = new HashMap<>();
    // Iterative pre-order walk; an EndMarker stands for the END_NODE of the node it was pushed for.
    Deque<Object> stack = new ArrayDeque<>();
    stack.push(root);
    while (!stack.isEmpty()) {
      Object item = stack.pop();
      if (item instanceof EndMarker) {
        putInt(struct, FdtParser.FDT_END_NODE);
        continue;
      }
      Node node = (Node) item;
      putInt(struct, FdtParser.FDT_BEGIN_NODE);
      byte[] name = node.name.getBytes(StandardCharsets.ISO_8859_1);
      struct.write(name, 0, name.length);
      struct.write(0);
      pad(struct);
      for (Prop prop : node.props) {
        Integer off = stringOffsets.get(prop.name);
        if (off == null) {
          off = strings.size();
          stringOffsets.put(prop.name, off);
          byte[] n = prop.name.getBytes(StandardCharsets.ISO_8859_1);
          strings.write(n, 0, n.length);
          strings.write(0);
        }
        putInt(struct, FdtParser.FDT_PROP);
        putInt(struct, prop.value.length);
        putInt(struct, off);
        struct.write(prop.value, 0, prop.value.length);
        pad(struct);
      }
      stack.push(EndMarker.INSTANCE);
      for (int i = node.children.size() - 1; i >= 0; i--) {
        stack.push(node.children.get(i));
      }
    }
    putInt(struct, FdtParser.FDT_END);

    int rsvOff = Fdt.HEADER_SIZE;
    int structOff = rsvOff + 16 * (reservations.size() + 1);
    int stringsOff = structOff + struct.size();
    int total = stringsOff + strings.size();
    ByteBuffer out = ByteBuffer.allocate(total);
    out.putInt(Fdt.MAGIC)
        .putInt(total)
        .putInt(structOff)
        .putInt(stringsOff)
        .putInt(rsvOff)
        .putInt(17)
        .putInt(16)
        .putInt(bootCpuId)
        .putInt(strings.size())
        .putInt(struct.size());
    for (FdtReservation r : reservations) {
      out.putLong(r.address()).putLong(r.size());
    }
    out.putLong(0).putLong(0);
    out.put(struct.toByteArray());
    out.put(strings.toByteArray());
    return out.array();
  }

  private static void putInt(ByteArrayOutputStream out, int v) {
    out.write(v >>> 24);
    out.write(v >>> 16);
    out.write(v >>> 8);
    out.write(v);
  }

  private static void pad(ByteArrayOutputStream out) {
    while ((out.size() & 3) != 0) {
      out.write(0);
    }
  }

  private enum EndMarker {
    INSTANCE
  }

  private static final class Prop {
    final String name;
    final byte[] value;

    Prop(String name, byte[] value) {
      this.name = name;
      this.value = value;
    }
  }

  /** One node being built: add properties and children, in blob order. */
  public static final class Node {
    private final String name;
    private final List<Prop> props = new ArrayList<>();
    private final List<Node> children = new ArrayList<>();

    private Node(String name) {
      this.name = name;
    }

    /**
     * The node name (empty for the root).
     *
     * @return the name
     */
    public String name() {
      return name;
    }

    /**
     * The children added so far, in order.
     *
     * @return a snapshot of the children
     */
    public ImmutableList<Node> children() {
      return ImmutableList.copyOf(children);
    }

    /**
     * Adds a child node.
     *
     * @param name its name with unit address, e.g. {@code iommu@1000}: non-empty, no {@code /} and
     *     no NUL, chars 0–255
     * @return the child's builder
     * @throws IllegalArgumentException for an invalid name
     */
    @CanIgnoreReturnValue
    public Node addChild(String name) {
      checkArgument(!name.isEmpty(), "empty node name");
      checkArgument(name.indexOf('/') < 0, "node name contains '/': %s", name);
      checkLatin1(name);
      Node child = new Node(name);
      children.add(child);
      return child;
    }

    /**
     * Adds a property with a raw value. Repeated names are allowed (the first one wins when the
     * tree is read).
     *
     * @param name the property name: no NUL, chars 0–255
     * @param value the value; copied
     * @return this node
     * @throws IllegalArgumentException for an invalid name
     */
    @CanIgnoreReturnValue
    public Node bytes(String name, byte[] value) {
      checkLatin1(name);
      props.add(new Prop(name, value.clone()));
      return this;
    }

    /**
     * Adds an empty (boolean) property such as {@code ats-supported}.
     *
     * @param name the property name
     * @return this node
     */
    @CanIgnoreReturnValue
    public Node empty(String name) {
      return bytes(name, new byte[0]);
    }

    /**
     * Adds a property of big-endian 32-bit cells.
     *
     * @param name the property name
     * @param cells the cells (bit patterns)
     * @return this node
     */
    @CanIgnoreReturnValue
    public Node cells(String name, int... cells) {
      ByteBuffer b = ByteBuffer.allocate(4 * cells.length);
      for (int c : cells) {
        b.putInt(c);
      }
      return bytes(name, b.array());
    }

    /**
     * Adds a string-list property: each string followed by a NUL.
     *
     * @param name the property name
     * @param values the strings (chars 0–255; ISO-8859-1)
     * @return this node
     */
    @CanIgnoreReturnValue
    public Node strings(String name, String... values) {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      for (String v : values) {
        checkNotNull(v);
        byte[] s = v.getBytes(StandardCharsets.ISO_8859_1);
        b.write(s, 0, s.length);
        b.write(0);
      }
      return bytes(name, b.toByteArray());
    }

    /**
     * Adds a {@code phandle} property.
     *
     * @param phandle the phandle (0 and {@code 0xffffffff} never resolve)
     * @return this node
     */
    @CanIgnoreReturnValue
    public Node phandle(int phandle) {
      return cells("phandle", phandle);
    }

    private static void checkLatin1(String s) {
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        checkArgument(c != 0 && c <= 0xff, "name must be non-NUL ISO-8859-1: %s", s);
      }
    }
  }
}
