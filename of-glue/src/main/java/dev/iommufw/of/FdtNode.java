package dev.iommufw.of;

import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableList;
import java.util.ArrayDeque;
import java.util.OptionalInt;
import org.jspecify.annotations.Nullable;

/**
 * One node of a parsed device tree: its name, place in the tree and properties in blob order.
 *
 * <p>Instances are created by {@link Fdt} and never change after parsing. Node identity is object
 * identity: two nodes are the same node only if they are the same object.
 */
public final class FdtNode {
  private static final ImmutableList<String> NO_STRINGS = ImmutableList.of();

  private final String name;
  // Built on first use: eager paths would cost memory quadratic in the depth of hostile blobs.
  private @Nullable String path;
  private final @Nullable FdtNode parent;
  private final int index;
  private final int depth;
  // Set once by the parser before the tree is published (see Fdt's final fields).
  private ImmutableList<FdtProperty> properties = ImmutableList.of();
  private ImmutableList<FdtNode> children = ImmutableList.of();
  private int subtreeEnd;
  private boolean hasPhandle;
  private int phandle;

  FdtNode(String name, @Nullable FdtNode parent, int index) {
    this.name = name;
    this.parent = parent;
    this.index = index;
    this.depth = parent == null ? 0 : parent.depth + 1;
    this.subtreeEnd = index + 1;
  }

  void setProperties(ImmutableList<FdtProperty> properties) {
    this.properties = properties;
    FdtProperty p = findPhandleProperty(properties);
    if (p != null) {
      hasPhandle = true;
      phandle = p.cell(0);
    }
  }

  private static @Nullable FdtProperty findPhandleProperty(ImmutableList<FdtProperty> properties) {
    FdtProperty phandle = null;
    FdtProperty legacy = null;
    for (FdtProperty p : properties) {
      // The first occurrence of each name decides; a value shorter than a cell counts as absent.
      if (phandle == null && p.name().equals("phandle")) {
        phandle = p;
      } else if (legacy == null && p.name().equals("linux,phandle")) {
        legacy = p;
      }
    }
    if (phandle != null && phandle.length() >= 4) {
      return phandle;
    }
    return legacy != null && legacy.length() >= 4 ? legacy : null;
  }

  void setChildren(ImmutableList<FdtNode> children, int subtreeEnd) {
    this.children = children;
    this.subtreeEnd = subtreeEnd;
  }

  /**
   * The node name including the unit address exactly as in the blob ({@code iommu@1000}); the empty
   * string for the root.
   *
   * @return the name (ISO-8859-1)
   */
  public String name() {
    return name;
  }

  /**
   * The full path: {@code /} for the root, {@code /soc/iommu@1000} otherwise.
   *
   * @return the path (ISO-8859-1)
   */
  public String path() {
    // Racy single-check caching is safe: String is immutable and recomputation is idempotent.
    String p = path;
    if (p == null) {
      p = buildPath();
      path = p;
    }
    return p;
  }

  private String buildPath() {
    if (parent == null) {
      return "/";
    }
    // Iterate up (never recurse: depth is input-controlled); stop at a cached ancestor path.
    ArrayDeque<String> parts = new ArrayDeque<>();
    String prefix = "";
    for (FdtNode n = this; n.parent != null; n = n.parent) {
      String cached = n.path;
      if (cached != null) {
        prefix = cached;
        break;
      }
      parts.push(n.name);
    }
    StringBuilder sb = new StringBuilder(prefix);
    for (String part : parts) {
      sb.append('/').append(part);
    }
    return sb.toString();
  }

  /**
   * The parent node.
   *
   * @return the parent, or null for the root
   */
  public @Nullable FdtNode parent() {
    return parent;
  }

  /**
   * The child nodes in blob order.
   *
   * @return the children
   */
  public ImmutableList<FdtNode> children() {
    return children;
  }

  /**
   * This node's position in the depth-first (blob) order of {@link Fdt#nodes()}; 0 for the root.
   *
   * @return the index
   */
  public int index() {
    return index;
  }

  /**
   * The depth in the tree: 0 for the root.
   *
   * @return the depth
   */
  public int depth() {
    return depth;
  }

  /**
   * One past the {@link #index()} of the last node of this node's subtree: the descendants are
   * exactly the nodes with indexes {@code index() + 1} up to {@code subtreeEnd() - 1}.
   *
   * @return the end index of the subtree
   */
  public int subtreeEnd() {
    return subtreeEnd;
  }

  /**
   * All properties in blob order, including repeated names.
   *
   * @return the properties
   */
  public ImmutableList<FdtProperty> properties() {
    return properties;
  }

  /**
   * The property called {@code name}; with a repeated name the first occurrence wins.
   *
   * @param name the property name
   * @return the property, or null when absent
   */
  public @Nullable FdtProperty property(String name) {
    checkNotNull(name);
    for (FdtProperty p : properties) {
      if (p.name().equals(name)) {
        return p;
      }
    }
    return null;
  }

  /**
   * Whether the node has a property called {@code name} (of any length).
   *
   * @param name the property name
   * @return true if present
   */
  public boolean hasProperty(String name) {
    return property(name) != null;
  }

  /**
   * A u32 property: the first cell of {@code name}, only if its value is at least 4 bytes long.
   *
   * @param name the property name
   * @return the first cell (as an {@code int} bit pattern), or empty when absent or too short
   */
  public OptionalInt u32(String name) {
    FdtProperty p = property(name);
    return p == null || p.length() < 4 ? OptionalInt.empty() : OptionalInt.of(p.cell(0));
  }

  /**
   * The node's phandle: the first cell of {@code phandle}, else of {@code linux,phandle} (each
   * counts only when at least 4 bytes long).
   *
   * @return the phandle as an {@code int} bit pattern, or empty when the node has none
   */
  public OptionalInt phandle() {
    return hasPhandle ? OptionalInt.of(phandle) : OptionalInt.empty();
  }

  /**
   * The {@code status} string: its bytes up to the first NUL, or the whole value when it has no
   * NUL.
   *
   * @return the status (ISO-8859-1), or null when there is no {@code status} property
   */
  public @Nullable String status() {
    FdtProperty p = property("status");
    return p == null ? null : p.firstString();
  }

  /**
   * Whether the node is available (kernel: {@code of_device_is_available()}): it has no {@code
   * status}, or a non-empty, NUL-terminated {@code status} whose string is exactly {@code okay} or
   * {@code ok}. A value without any NUL is not available.
   *
   * @return true if available
   */
  public boolean isAvailable() {
    FdtProperty p = property("status");
    if (p == null) {
      return true;
    }
    if (p.isEmpty() || !p.containsNul()) {
      return false;
    }
    String s = p.firstString();
    return s.equals("okay") || s.equals("ok");
  }

  /**
   * The {@code compatible} strings in order (see {@link FdtProperty#strings()}).
   *
   * @return the strings, empty when the property is absent
   */
  public ImmutableList<String> compatible() {
    FdtProperty p = property("compatible");
    return p == null ? NO_STRINGS : p.strings();
  }

  /**
   * This node's {@code #address-cells}, i.e. the number of cells its children use for an address in
   * {@code reg}; the Devicetree Specification default 2 when absent or short.
   *
   * @return the cell count (unsigned bit pattern)
   */
  public int addressCells() {
    return u32("#address-cells").orElse(2);
  }

  /**
   * This node's {@code #size-cells}, i.e. the number of cells its children use for a size in {@code
   * reg}; the Devicetree Specification default 1 when absent or short.
   *
   * @return the cell count (unsigned bit pattern)
   */
  public int sizeCells() {
    return u32("#size-cells").orElse(1);
  }

  @Override
  public String toString() {
    return path();
  }
}
