/**
 * Reference IOMMU drivers: what the kernel's {@code arm-smmu-v3}, {@code arm-smmu} and {@code
 * virtio-iommu} drivers do when a device is probed, including the checks the emulated hardware
 * enforces (stream-ID range, stream ownership, stream matching, known endpoints).
 *
 * <p>Each driver object is one {@link dev.iommufw.core.IommuOps} for one {@link
 * dev.iommufw.core.IommuCore}; it creates its {@link dev.iommufw.core.IommuInstance}s and keeps its
 * per-instance hardware state, which changes only under the core's probe lock.
 */
@CheckReturnValue
@NullMarked
package dev.iommufw.drivers;

import com.google.errorprone.annotations.CheckReturnValue;
import org.jspecify.annotations.NullMarked;
