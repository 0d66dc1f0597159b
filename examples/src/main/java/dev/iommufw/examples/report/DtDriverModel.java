package dev.iommufw.examples.report;

import com.google.common.collect.ImmutableMap;
import com.google.common.primitives.ImmutableIntArray;
import dev.iommufw.of.FdtNode;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * The report's model of the reference IOMMU drivers' DT side ({@code fwspec-report.md} §3.2):
 * which driver binds an IOMMU node, and how its {@code of_xlate} turns specifier cells into one
 * fwspec ID. Drivers outside the table are "unmodeled": the report does not guess.
 */
final class DtDriverModel {
  static final String ARM_SMMU_V3 = "arm-smmu-v3";
  static final String ARM_SMMU = "arm-smmu";
  static final String VIRTIO_IOMMU = "virtio-iommu";

  private static final ImmutableMap<String, String> DRIVERS =
      ImmutableMap.<String, String>builder()
          .put("arm,smmu-v3", ARM_SMMU_V3)
          .put("arm,smmu-v1", ARM_SMMU)
          .put("arm,smmu-v2", ARM_SMMU)
          .put("arm,mmu-400", ARM_SMMU)
          .put("arm,mmu-401", ARM_SMMU)
          .put("arm,mmu-500", ARM_SMMU)
          .put("cavium,smmu-v2", ARM_SMMU)
          .put("nvidia,smmu-500", ARM_SMMU)
          .put("qcom,smmu-v2", ARM_SMMU)
          .put("virtio,pci-iommu", VIRTIO_IOMMU)
          .put("pci1af4,1057", VIRTIO_IOMMU)
          .buildOrThrow();

  private DtDriverModel() {}

  /**
   * The driver of an IOMMU node: its first compatible string found in the table decides; {@code
   * virtio,mmio} counts only when the node has {@code #iommu-cells}.
   *
   * @param iommu the IOMMU node
   * @return the driver name, or null when unmodeled
   */
  static @Nullable String driver(FdtNode iommu) {
    for (String compatible : iommu.compatible()) {
      String driver = DRIVERS.get(compatible);
      if (driver != null) {
        return driver;
      }
      if (compatible.equals("virtio,mmio") && iommu.hasProperty("#iommu-cells")) {
        return VIRTIO_IOMMU;
      }
    }
    return null;
  }

  /**
   * One specifier to one fwspec ID (the drivers' {@code of_xlate}).
   *
   * @param driver a driver name from {@link #driver(FdtNode)}
   * @param iommu the IOMMU node
   * @param args the specifier cells (at most 16)
   * @return the ID (u32), or empty when the driver needs a cell and there is none ({@code
   *     no-cells})
   */
  static OptionalLong xlate(String driver, FdtNode iommu, ImmutableIntArray args) {
    if (driver.equals(ARM_SMMU)) {
      long sid = args.isEmpty() ? 0 : args.get(0) & 0xffff;
      long mask;
      if (args.length() >= 2) {
        mask = args.get(1) & 0xffff;
      } else {
        mask = iommu.u32("stream-match-mask").orElse(0) & 0xffff;
      }
      return OptionalLong.of(sid | mask << 16);
    }
    // arm-smmu-v3 and virtio-iommu take cell 0 as the ID.
    return args.isEmpty()
        ? OptionalLong.empty()
        : OptionalLong.of(Integer.toUnsignedLong(args.get(0)));
  }
}
