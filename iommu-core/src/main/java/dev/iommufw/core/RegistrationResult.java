package dev.iommufw.core;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableList;
import com.google.common.primitives.ImmutableIntArray;

/**
 * The outcome of {@link IommuCore#registerInstance(IommuInstance)} (kernel: the return value of
 * {@code iommu_device_register()}).
 */
public sealed interface RegistrationResult {
  /**
   * The instance that registered, or tried to.
   *
   * @return the instance
   */
  IommuInstance instance();

  /**
   * The instance is registered (kernel: 0).
   *
   * @param instance the instance
   */
  record Registered(IommuInstance instance) implements RegistrationResult {
    /**
     * Validates the instance.
     *
     * @param instance the instance
     */
    public Registered {
      checkNotNull(instance);
    }
  }

  /**
   * A probe of the registration's walk over the devices present failed with an error other than
   * {@link Errno#ENODEV} (kernel: {@code bus_iommu_probe()} returning that error, after which
   * {@code iommu_device_register()} unregisters the instance). The instance is not registered, and
   * the devices the walk had bound to it were released: they hold no IOMMU state.
   *
   * @param instance the instance, no longer registered
   * @param culprit the device whose probe failed
   * @param error the probe's error; never {@link Errno#ENODEV}
   * @param reason what failed, for humans
   * @param ids the IDs of the culprit's fwspec that the driver rejected (possibly empty)
   * @param released the devices that were bound to the instance and were released, in the order
   *     they had bound
   */
  record Aborted(
      IommuInstance instance,
      Device culprit,
      Errno error,
      String reason,
      ImmutableIntArray ids,
      ImmutableList<Device> released)
      implements RegistrationResult {
    /**
     * Validates the components.
     *
     * @param instance the instance
     * @param culprit the device whose probe failed
     * @param error the probe's error
     * @param reason what failed
     * @param ids the culprit's rejected IDs
     * @param released the released devices
     */
    public Aborted {
      checkNotNull(instance);
      checkNotNull(culprit);
      checkArgument(error != Errno.ENODEV, "ENODEV does not abort a registration");
      checkNotNull(reason);
      checkNotNull(ids);
      checkNotNull(released);
    }
  }
}
