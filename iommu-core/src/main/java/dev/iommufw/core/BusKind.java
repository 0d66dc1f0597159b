package dev.iommufw.core;

/**
 * The bus a device sits on. All of these are IOMMU-capable buses in the kernel's sense (the {@code
 * iommu_buses} array), so registering an IOMMU instance concerns devices of every kind.
 */
public enum BusKind {
  /** Platform devices, typically created from device tree nodes or ACPI namespace devices. */
  PLATFORM,
  /** PCI functions. */
  PCI,
  /** ARM AMBA devices. */
  AMBA,
  /** NXP fsl-mc bus objects; the bus supplies an input ID (the ICID). */
  FSL_MC,
  /** NVIDIA host1x context devices. */
  HOST1X_CONTEXT,
  /** AMD CDX bus devices; the bus supplies an input ID. */
  CDX
}
