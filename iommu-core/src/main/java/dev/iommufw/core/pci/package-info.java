/**
 * The PCI model of the IOMMU core: addresses ({@link dev.iommufw.core.pci.Bdf}), a device's PCI
 * identity for the firmware glue ({@link dev.iommufw.core.pci.PciFunction}: an address plus its DMA
 * aliases), and enumeration's view of a system ({@link dev.iommufw.core.pci.PciDev}, {@link
 * dev.iommufw.core.pci.PciTopology}) with the kernel's {@code pci_for_each_dma_alias()}, ACS
 * isolation and quirks. Nothing here depends on the rest of the core; {@code
 * dev.iommufw.core.ProbeContext#pciDeviceGroup} walks a topology given to the core at construction.
 */
@CheckReturnValue
@NullMarked
package dev.iommufw.core.pci;

import com.google.errorprone.annotations.CheckReturnValue;
import org.jspecify.annotations.NullMarked;
