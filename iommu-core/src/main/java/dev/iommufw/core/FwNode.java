package dev.iommufw.core;

import static com.google.common.base.Preconditions.checkNotNull;

import org.jspecify.annotations.Nullable;

/**
 * A firmware node: the identity of a device or IOMMU in the firmware description (kernel: {@code
 * struct fwnode_handle}).
 *
 * <p><b>Identity is object identity.</b> Two {@code FwNode}s are the same node if and only if they
 * are the same object; {@link #equals(Object)} and {@link #hashCode()} are {@link Object}'s. The
 * core never compares descriptions. The glue creates one {@code FwNode} per firmware object (a
 * device tree node, an IORT node, a VIOT IOMMU) and hands the same object to the device it
 * describes and to the IOMMU instance that registers with it.
 *
 * <p>The description is for humans only (logs, reports, exception messages). Instances are
 * immutable and thread-safe.
 */
public final class FwNode {
  private final String description;
  private final @Nullable Object source;

  private FwNode(String description, @Nullable Object source) {
    this.description = checkNotNull(description);
    this.source = source;
  }

  /**
   * Creates a new, distinct firmware node.
   *
   * @param description a human-readable name, for example {@code /smmuv3@9050000} or {@code
   *     iort@0x48}
   * @return a node equal to no other node
   */
  public static FwNode create(String description) {
    return new FwNode(description, null);
  }

  /**
   * Creates a new, distinct firmware node backed by a firmware object, so that a driver can read
   * the firmware's own properties (as a kernel driver reads its {@code device_node} through {@code
   * args.np}).
   *
   * @param description a human-readable name
   * @param source the firmware object this node stands for, for example a device tree node
   * @return a node equal to no other node
   */
  public static FwNode create(String description, Object source) {
    return new FwNode(description, checkNotNull(source));
  }

  /**
   * The firmware object this node stands for, if the glue attached one of the given type: a driver
   * asks for the type its firmware gives, for example {@code node.source(FdtNode.class)}.
   *
   * @param type the expected type of the firmware object
   * @param <T> that type
   * @return the object, or null if there is none or it is not a {@code type}
   */
  public <T> @Nullable T source(Class<T> type) {
    checkNotNull(type);
    return type.isInstance(source) ? type.cast(source) : null;
  }

  /**
   * Whether this node stands for exactly {@code object} (compared by identity).
   *
   * @param object a firmware object
   * @return true if the glue created this node for {@code object}
   */
  public boolean isSourceOf(Object object) {
    checkNotNull(object);
    return source == object;
  }

  /**
   * The human-readable name given at creation.
   *
   * @return the description
   */
  public String description() {
    return description;
  }

  @Override
  public String toString() {
    return "FwNode[" + description + "]";
  }
}
