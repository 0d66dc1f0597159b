package dev.iommufw.of;

import static com.google.common.base.Preconditions.checkNotNull;

import org.jspecify.annotations.Nullable;

/**
 * The outcome of an {@code iommu-map} look-up ({@link IommuMap#mapId(int)}, kernel: {@code
 * of_map_id()}).
 */
public sealed interface MapResult {
  /**
   * A tuple matched.
   *
   * <p>When the tuple's phandle resolves to no node, {@code node} is null: the kernel returns
   * {@code -ENODEV} for that case ("no IOMMU", NONE) without trying later tuples. The output ID is
   * reported anyway.
   *
   * @param entryIndex the index of the matching tuple
   * @param node the tuple's target node, or null when its phandle does not resolve
   * @param outId the output ID, {@code masked - rid_base + out_base} (u32 wrap)
   */
  record Mapped(int entryIndex, @Nullable FdtNode node, int outId) implements MapResult {
    /**
     * The match with the output ID in hex.
     *
     * @return a description
     */
    @Override
    public String toString() {
      return "Mapped[entryIndex="
          + entryIndex
          + ", node="
          + (node == null ? null : node.path())
          + ", outId=0x"
          + Integer.toHexString(outId)
          + "]";
    }
  }

  /**
   * No tuple matched. The kernel reports success with no target and the output ID equal to the
   * (unmasked) input, which the IOMMU glue turns into NONE.
   *
   * @param id the input ID, unchanged
   */
  record NoMatch(int id) implements MapResult {
    /**
     * The unmatched ID in hex.
     *
     * @return a description
     */
    @Override
    public String toString() {
      return "NoMatch[id=0x" + Integer.toHexString(id) + "]";
    }
  }

  /**
   * The look-up failed.
   *
   * @param error {@code EINVAL} (bad map length), {@code EFAULT} (a base outside the mask) or
   *     {@code ENODEV} (no {@code iommu-map} property)
   * @param entryIndex the tuple at fault for {@code EFAULT}, else null
   */
  record Failed(OfError error, @Nullable Integer entryIndex) implements MapResult {
    /**
     * Checks the error.
     *
     * @param error the errno
     * @param entryIndex the tuple at fault, or null
     */
    public Failed {
      checkNotNull(error);
    }
  }
}
