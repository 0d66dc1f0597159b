package dev.iommufw.machine;

import static com.google.common.base.Preconditions.checkNotNull;

/**
 * One step of a machine's boot, run against a {@link MachineSystem} with {@link
 * MachineSystem#run(BootEvent)}. Events are independent values naming devices and instances by
 * their report names, so a boot can be replayed, permuted or split across threads.
 */
public sealed interface BootEvent {
  /**
   * An IOMMU instance registers (kernel: {@code iommu_device_register()}); devices deferred on it
   * are configured again.
   *
   * @param instance the instance's name (see <a
   *     href="{@docRoot}/dev/iommufw/core/doc-files/machine-format.html#instance-names">instance
   *     names</a>)
   */
  record RegisterInstance(String instance) implements BootEvent {
    /**
     * Validates the name.
     *
     * @param instance the instance's name
     */
    public RegisterInstance {
      checkNotNull(instance);
    }
  }

  /**
   * An IOMMU instance unregisters (kernel: {@code iommu_device_unregister()}).
   *
   * @param instance the instance's name
   */
  record UnregisterInstance(String instance) implements BootEvent {
    /**
     * Validates the name.
     *
     * @param instance the instance's name
     */
    public UnregisterInstance {
      checkNotNull(instance);
    }
  }

  /**
   * A device is added to the system (kernel: {@code device_add()}).
   *
   * @param device the device's report name (BDF or DT path)
   */
  record AddDevice(String device) implements BootEvent {
    /**
     * Validates the name.
     *
     * @param device the device's name
     */
    public AddDevice {
      checkNotNull(device);
    }
  }

  /**
   * A driver probes a device, so the device is DMA-configured first (kernel: {@code really_probe()}
   * → {@code dma_configure}); adds the device if it was not added yet.
   *
   * @param device the device's report name
   */
  record DmaConfigure(String device) implements BootEvent {
    /**
     * Validates the name.
     *
     * @param device the device's name
     */
    public DmaConfigure {
      checkNotNull(device);
    }
  }

  /** The deferred-probe timeout fires: devices still waiting for an IOMMU bind without one. */
  record DeferredProbeTimeout() implements BootEvent {}
}
