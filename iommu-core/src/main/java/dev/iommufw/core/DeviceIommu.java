package dev.iommufw.core;

import org.jspecify.annotations.Nullable;

/**
 * A device's IOMMU slot (kernel: {@code struct dev_iommu}). Core-private: every field is read and
 * written only under the owning core's probe lock, by {@link IommuCore} and by the {@link
 * ProbeContext} it hands a driver.
 */
final class DeviceIommu {
  /** The installed fwspec, or null. */
  @Nullable IommuFwspec fwspec;

  /** A BUILDING fwspec parked here only while a legacy {@code of_xlate} runs. */
  @Nullable IommuFwspec parked;

  /** The instance whose driver accepted the device (kernel: {@code iommu_dev}). */
  @Nullable IommuInstance instance;

  /** Driver-private per-device data (kernel: {@code priv}). */
  @Nullable Object priv;

  /** The device's group once probed. */
  @Nullable IommuGroup group;

  /**
   * Neighbours in {@link #instance}'s list of bound devices, in bind order. An intrusive list
   * rather than a hash set: binding a device then touches no shared table, which keeps a probe's
   * cost flat from 10³ to 10⁶ devices.
   */
  @Nullable Device prevBound;

  /** See {@link #prevBound}. */
  @Nullable Device nextBound;
}
