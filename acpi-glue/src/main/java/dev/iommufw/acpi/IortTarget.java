package dev.iommufw.acpi;

/** The node types an IORT ID walk stops at (kernel: the {@code type_mask} of the walks). */
public enum IortTarget {
  /** An IOMMU: SMMUv1/v2 (type 3) or SMMUv3 (type 4). */
  IOMMU,
  /** An MSI controller: ITS group (type 0). */
  MSI;

  /**
   * Whether a node of type {@code typeCode} ends a walk toward this target.
   *
   * @param typeCode an IORT node type
   * @return true if the type is in the target set
   */
  public boolean matches(int typeCode) {
    return this == IOMMU
        ? typeCode == IortNode.SMMU || typeCode == IortNode.SMMU_V3
        : typeCode == IortNode.ITS_GROUP;
  }
}
