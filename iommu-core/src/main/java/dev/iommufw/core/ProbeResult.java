package dev.iommufw.core;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.primitives.ImmutableIntArray;
import org.jspecify.annotations.Nullable;

/**
 * The outcome of {@link IommuCore#probeDevice(Device, IommuFwspec)} (kernel: the return value of
 * {@code iommu_probe_device_fwspec()}).
 */
public sealed interface ProbeResult {
  /**
   * The kernel error this outcome stands for, or null for success.
   *
   * @return the error, or null
   */
  @Nullable Errno errno();

  /**
   * The device was probed now and is bound (kernel: 0).
   *
   * @param binding the new binding
   */
  record Bound(IommuBinding binding) implements ProbeResult {
    /**
     * Validates the binding.
     *
     * @param binding the new binding
     */
    public Bound {
      checkNotNull(binding);
    }

    @Override
    public @Nullable Errno errno() {
      return null;
    }
  }

  /**
   * The device was already probed: the installed fwspec stays and the one handed in (if any) was
   * freed (kernel: 0).
   *
   * @param binding the existing binding
   */
  record AlreadyBound(IommuBinding binding) implements ProbeResult {
    /**
     * Validates the binding.
     *
     * @param binding the existing binding
     */
    public AlreadyBound {
      checkNotNull(binding);
    }

    @Override
    public @Nullable Errno errno() {
      return null;
    }
  }

  /**
   * No driver claims the device (kernel: {@code -ENODEV}); normal for devices without an IOMMU. The
   * device is left with no IOMMU state.
   *
   * @param reason why, for humans
   * @param ids when a driver's {@code probe_device} turned a formed fwspec down with {@code
   *     -ENODEV}, the IDs of that fwspec; else empty
   */
  record NoIommu(String reason, ImmutableIntArray ids) implements ProbeResult {
    /**
     * Validates the components.
     *
     * @param reason why
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
   * The probe failed; the device is left with no IOMMU state at all.
   *
   * @param error the kernel error (never {@link Errno#ENODEV})
   * @param reason what failed
   * @param ids the IDs of the fwspec that was rejected (possibly empty)
   */
  record Failed(Errno error, String reason, ImmutableIntArray ids) implements ProbeResult {
    /**
     * Validates the components.
     *
     * @param error the kernel error
     * @param reason what failed
     * @param ids the IDs of the rejected fwspec
     */
    public Failed {
      checkArgument(error != Errno.ENODEV, "ENODEV is NoIommu");
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
