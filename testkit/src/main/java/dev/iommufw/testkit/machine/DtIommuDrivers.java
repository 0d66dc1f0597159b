package dev.iommufw.testkit.machine;

import com.google.common.collect.ImmutableMap;
import dev.iommufw.of.FdtNode;
import org.jspecify.annotations.Nullable;

/**
 * Which IOMMU driver binds a DT node (fwspec-report.md §3.2): the first compatible string found
 * in the table decides; {@code virtio,mmio} counts only when the node has {@code #iommu-cells}.
 */
final class DtIommuDrivers {
  private static final ImmutableMap<String, String> DRIVERS =
      ImmutableMap.<String, String>builder()
          .put("arm,smmu-v3", "arm-smmu-v3")
          .put("arm,smmu-v1", "arm-smmu")
          .put("arm,smmu-v2", "arm-smmu")
          .put("arm,mmu-400", "arm-smmu")
          .put("arm,mmu-401", "arm-smmu")
          .put("arm,mmu-500", "arm-smmu")
          .put("cavium,smmu-v2", "arm-smmu")
          .put("nvidia,smmu-500", "arm-smmu")
          .put("qcom,smmu-v2", "arm-smmu")
          .put("virtio,pci-iommu", "virtio-iommu")
          .put("pci1af4,1057", "virtio-iommu")
          .buildOrThrow();

  private DtIommuDrivers() {}

  /** The node's IOMMU driver, or null when no modeled driver binds it. */
  static @Nullable String driver(FdtNode node) {
    for (String compatible : node.compatible()) {
      String driver = DRIVERS.get(compatible);
      if (driver != null) {
        return driver;
      }
      if (compatible.equals("virtio,mmio") && node.hasProperty("#iommu-cells")) {
        return "virtio-iommu";
      }
    }
    return null;
  }

  /** Whether the virtio-iommu driver binds the node as a PCI function (not virtio-mmio). */
  static boolean isPciVirtioIommu(FdtNode node) {
    for (String compatible : node.compatible()) {
      if (DRIVERS.containsKey(compatible)) {
        return DRIVERS.get(compatible).equals("virtio-iommu");
      }
      if (compatible.equals("virtio,mmio") && node.hasProperty("#iommu-cells")) {
        return false;
      }
    }
    return false;
  }
}
