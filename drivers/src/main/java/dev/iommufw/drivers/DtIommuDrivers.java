package dev.iommufw.drivers;

import com.google.common.collect.ImmutableMap;
import dev.iommufw.of.FdtNode;
import org.jspecify.annotations.Nullable;

/**
 * Which reference driver binds a device tree IOMMU node (the <a
 * href="{@docRoot}/dev/iommufw/core/doc-files/report-formats.html#dt-drivers">driver table</a>):
 * the node's first compatible string found in the table decides; {@code virtio,mmio} counts only
 * when the node has {@code #iommu-cells}. Nodes no reference driver binds are "unmodeled" (null):
 * nothing guesses what other drivers do.
 *
 * <p>The one copy of this table, used by the report tool and by the machine boot.
 */
public final class DtIommuDrivers {
  private static final ImmutableMap<String, String> DRIVERS =
      ImmutableMap.<String, String>builder()
          .put("arm,smmu-v3", ArmSmmuV3Driver.NAME)
          .put("arm,smmu-v1", ArmSmmuDriver.NAME)
          .put("arm,smmu-v2", ArmSmmuDriver.NAME)
          .put("arm,mmu-400", ArmSmmuDriver.NAME)
          .put("arm,mmu-401", ArmSmmuDriver.NAME)
          .put("arm,mmu-500", ArmSmmuDriver.NAME)
          .put("cavium,smmu-v2", ArmSmmuDriver.NAME)
          .put("nvidia,smmu-500", ArmSmmuDriver.NAME)
          .put("qcom,smmu-v2", ArmSmmuDriver.NAME)
          .put("virtio,pci-iommu", VirtioIommuDriver.NAME)
          .put("pci1af4,1057", VirtioIommuDriver.NAME)
          .buildOrThrow();

  private DtIommuDrivers() {}

  /**
   * The reference driver that binds an IOMMU node.
   *
   * @param node a device tree node
   * @return {@link ArmSmmuV3Driver#NAME}, {@link ArmSmmuDriver#NAME}, {@link
   *     VirtioIommuDriver#NAME}, or null when no reference driver binds it
   */
  public static @Nullable String driver(FdtNode node) {
    for (String compatible : node.compatible()) {
      String driver = DRIVERS.get(compatible);
      if (driver != null) {
        return driver;
      }
      if (isVirtioMmioIommu(node, compatible)) {
        return VirtioIommuDriver.NAME;
      }
    }
    return null;
  }

  /**
   * Whether the virtio-iommu driver binds the node as a PCI function (not over virtio-mmio).
   *
   * @param node a device tree node
   * @return true for a virtio-iommu PCI function's node
   */
  public static boolean isPciVirtioIommu(FdtNode node) {
    for (String compatible : node.compatible()) {
      String driver = DRIVERS.get(compatible);
      if (driver != null) {
        return driver.equals(VirtioIommuDriver.NAME);
      }
      if (isVirtioMmioIommu(node, compatible)) {
        return false;
      }
    }
    return false;
  }

  private static boolean isVirtioMmioIommu(FdtNode node, String compatible) {
    return compatible.equals("virtio,mmio") && node.hasProperty("#iommu-cells");
  }
}
