package dev.iommufw.core;

import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.primitives.ImmutableIntArray;

/**
 * An immutable snapshot of a probed device's IOMMU state: the instance that translates it, the IDs
 * and flags of its installed fwspec, and its group.
 *
 * <p>Published by the core when a probe succeeds and withdrawn on release, so lock-free readers see
 * a whole binding or none (see <a href="{@docRoot}/dev/iommufw/core/doc-files/lifecycle.html">the
 * fwspec lifecycle</a>).
 *
 * @param instance the IOMMU instance
 * @param ids the fwspec IDs, in append order
 * @param flags the fwspec flags
 * @param group the device's IOMMU group
 */
public record IommuBinding(
    IommuInstance instance, ImmutableIntArray ids, int flags, IommuGroup group) {
  /**
   * Validates the components.
   *
   * @param instance the IOMMU instance
   * @param ids the fwspec IDs, in append order
   * @param flags the fwspec flags
   * @param group the device's IOMMU group
   */
  public IommuBinding {
    checkNotNull(instance);
    checkNotNull(ids);
    checkNotNull(group);
  }

  /**
   * The binding with its IDs and flags in hex, for example {@code IommuBinding[instance=smmu0,
   * ids=[0x10, 0x11], flags=0x1, group=IommuGroup[3]]}.
   *
   * @return a description
   */
  @Override
  public String toString() {
    return "IommuBinding[instance="
        + instance.name()
        + ", ids="
        + Hex.ids(ids)
        + ", flags="
        + Hex.of(flags)
        + ", group="
        + group
        + "]";
  }
}
