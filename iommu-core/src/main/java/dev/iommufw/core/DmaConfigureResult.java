package dev.iommufw.core;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.primitives.ImmutableIntArray;
import org.jspecify.annotations.Nullable;

/**
 * The outcome of configuring a device's IOMMU from firmware (kernel: the return value of {@code
 * of_iommu_configure()} / {@code acpi_iommu_configure_id()}).
 */
public sealed interface DmaConfigureResult {
  /**
   * The kernel error this outcome stands for, or null for success.
   *
   * @return the error, or null
   */
  @Nullable Errno errno();

  /**
   * The configure outcome of handing a formed fwspec to the core: what the glue returns after
   * {@link IommuCore#probeDevice(Device, IommuFwspec)}. A driver's own {@link Errno#EPROBE_DEFER}
   * (its instance is not fully up) becomes a deferral on the fwspec's IOMMU.
   *
   * @param probed the probe's outcome
   * @param iommu the firmware node of the IOMMU the fwspec named
   * @return the configure outcome
   */
  static DmaConfigureResult fromProbe(ProbeResult probed, FwNode iommu) {
    checkNotNull(iommu);
    if (probed instanceof ProbeResult.Bound bound) {
      return new Configured(bound.binding());
    }
    if (probed instanceof ProbeResult.AlreadyBound already) {
      return new Configured(already.binding());
    }
    if (probed instanceof ProbeResult.Failed failed) {
      return failed.error() == Errno.EPROBE_DEFER
          ? new Deferred(iommu)
          : new Failed(failed.error(), failed.reason(), failed.ids());
    }
    ProbeResult.NoIommu none = (ProbeResult.NoIommu) probed;
    return new NoIommu(none.reason(), none.ids());
  }

  /**
   * A fwspec was formed and the device is bound to an instance (kernel: 0).
   *
   * @param binding the device's binding (the existing one if the device was already probed)
   */
  record Configured(IommuBinding binding) implements DmaConfigureResult {
    /**
     * Validates the binding.
     *
     * @param binding the device's binding
     */
    public Configured {
      checkNotNull(binding);
    }

    @Override
    public @Nullable Errno errno() {
      return null;
    }
  }

  /**
   * The device has no IOMMU (kernel: {@code -ENODEV}); not a failure.
   *
   * @param reason why, for humans
   * @param ids when the IOMMU driver's {@code probe_device} turned the formed fwspec down with
   *     {@code -ENODEV} (see {@link ProbeResult.NoIommu}), the IDs of that fwspec; else empty
   */
  record NoIommu(String reason, ImmutableIntArray ids) implements DmaConfigureResult {
    /**
     * Validates the components.
     *
     * @param reason why, for humans
     * @param ids the IDs a driver turned down, or empty
     */
    public NoIommu {
      checkNotNull(reason);
      checkNotNull(ids);
    }

    /**
     * No IOMMU, and no driver saw a fwspec.
     *
     * @param reason why, for humans
     */
    public NoIommu(String reason) {
      this(reason, ImmutableIntArray.of());
    }

    @Override
    public Errno errno() {
      return Errno.ENODEV;
    }
  }

  /**
   * The IOMMU is described but its instance has not registered yet (kernel: {@code -EPROBE_DEFER}).
   * Nothing was left on the device.
   *
   * @param waitingFor the firmware node of the missing instance
   */
  record Deferred(FwNode waitingFor) implements DmaConfigureResult {
    /**
     * Validates the node.
     *
     * @param waitingFor the firmware node of the missing instance
     */
    public Deferred {
      checkNotNull(waitingFor);
    }

    @Override
    public Errno errno() {
      return Errno.EPROBE_DEFER;
    }
  }

  /**
   * Configuration failed: inconsistent firmware, or the driver's {@code probe_device} rejected the
   * fwspec. The device has no IOMMU state.
   *
   * @param error the kernel error; never {@link Errno#ENODEV} or {@link Errno#EPROBE_DEFER}
   * @param reason what failed, for humans
   * @param ids the IDs the glue had built (possibly empty)
   */
  record Failed(Errno error, String reason, ImmutableIntArray ids) implements DmaConfigureResult {
    /**
     * Validates the components.
     *
     * @param error the kernel error
     * @param reason what failed
     * @param ids the IDs built
     */
    public Failed {
      checkArgument(
          error != Errno.ENODEV && error != Errno.EPROBE_DEFER, "not a failure: %s", error);
      checkNotNull(reason);
      checkNotNull(ids);
    }

    @Override
    public Errno errno() {
      return error;
    }

    /**
     * The failure with the IDs in hex.
     *
     * @return a description
     */
    @Override
    public String toString() {
      return "Failed[error=" + error + ", reason=" + reason + ", ids=" + Hex.ids(ids) + "]";
    }
  }
}
