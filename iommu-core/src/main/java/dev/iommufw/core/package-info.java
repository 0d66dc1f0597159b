/**
 * The IOMMU core: devices, firmware nodes, fwspecs, IOMMU instances and the probe lock — a Java
 * port of the Linux kernel's {@code drivers/iommu/iommu.c} fwspec API with the "build the fwspec
 * off the device" redesign of the public patch series "Solve iommu probe races around iommu_fwspec"
 * (v2, November 2023; "the series" in this documentation). See the <a
 * href="{@docRoot}/dev/iommufw/core/doc-files/lifecycle.html">fwspec lifecycle</a> and <a
 * href="{@docRoot}/dev/iommufw/core/doc-files/probe-race.html">the probe race</a> guides.
 *
 * <p>An {@link dev.iommufw.core.IommuCore} is one system. Firmware glue (device tree in {@code
 * dev.iommufw.of}, ACPI in {@code dev.iommufw.acpi}) builds a {@link dev.iommufw.core.IommuFwspec}
 * for a {@link dev.iommufw.core.Device} without touching the device, then hands it to {@link
 * dev.iommufw.core.IommuCore#probeDevice( dev.iommufw.core.Device, dev.iommufw.core.IommuFwspec)};
 * IOMMU drivers implement {@link dev.iommufw.core.IommuOps}, whose callbacks under the probe lock
 * receive a {@link dev.iommufw.core.ProbeContext} (the driver's whole view of the device), and
 * register {@link dev.iommufw.core.IommuInstance}s.
 *
 * <p>Kernel → Java names: {@code struct device} → {@code Device}; {@code struct dev_iommu} → the
 * core-private slot; {@code struct iommu_fwspec} → {@code IommuFwspec}; {@code struct iommu_ops} →
 * {@code IommuOps}; a driver's access to {@code dev->iommu} → {@code ProbeContext}; {@code struct
 * iommu_device} → {@code IommuInstance}; {@code struct fwnode_handle} → {@code FwNode}; {@code
 * iommu_probe_device_lock} → the core's probe lock; {@code driver_deferred_probe_check_state()} →
 * {@code DeferralPolicy}; error numbers → {@code Errno}.
 *
 * <p>The PCI model (addresses, DMA aliases, topology) is in {@link dev.iommufw.core.pci}.
 *
 * <p>Every method's result is meant to be used ({@code @CheckReturnValue}); builders' setters and
 * the few calls whose outcome is also recorded elsewhere are {@code @CanIgnoreReturnValue}.
 */
@CheckReturnValue
@NullMarked
package dev.iommufw.core;

import com.google.errorprone.annotations.CheckReturnValue;
import org.jspecify.annotations.NullMarked;
