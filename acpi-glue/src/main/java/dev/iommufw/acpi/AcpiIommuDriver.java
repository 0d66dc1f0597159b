package dev.iommufw.acpi;

/**
 * The IOMMU driver types the ACPI glue can name, for the "is this driver enabled in the kernel
 * configuration" rule: an IOMMU whose driver type is not enabled never registers, so waiting for it
 * makes no sense and the glue answers "no IOMMU" instead of deferring (kernel: {@code
 * iort_iommu_driver_enabled()}).
 */
public enum AcpiIommuDriver {
  /** Arm SMMUv3 (IORT node type 4; kernel: {@code arm-smmu-v3}). */
  SMMU_V3,
  /** Arm SMMU v1/v2 (IORT node type 3; kernel: {@code arm-smmu}). */
  SMMU,
  /** virtio-iommu (VIOT; kernel: {@code virtio-iommu}). */
  VIRTIO_IOMMU
}
