package dev.iommufw.report;

import com.google.common.primitives.ImmutableIntArray;
import dev.iommufw.drivers.ArmSmmuDriver;
import dev.iommufw.drivers.ArmSmmuV3Driver;
import dev.iommufw.drivers.DtIommuDrivers;
import dev.iommufw.drivers.VirtioIommuDriver;
import dev.iommufw.of.FdtNode;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * The report's model of the reference IOMMU drivers' DT side (the <a
 * href="{@docRoot}/dev/iommufw/core/doc-files/report-formats.html#dt-drivers">driver table</a>):
 * which driver binds an IOMMU node, and how its {@code of_xlate} turns specifier cells into one
 * fwspec ID. Drivers outside the table are "unmodeled": the report does not guess.
 */
final class DtDriverModel {
  static final String ARM_SMMU_V3 = ArmSmmuV3Driver.NAME;
  static final String ARM_SMMU = ArmSmmuDriver.NAME;
  static final String VIRTIO_IOMMU = VirtioIommuDriver.NAME;

  private DtDriverModel() {}

  /**
   * The driver of an IOMMU node ({@link DtIommuDrivers#driver(FdtNode)}).
   *
   * @param iommu the IOMMU node
   * @return the driver name, or null when unmodeled
   */
  static @Nullable String driver(FdtNode iommu) {
    return DtIommuDrivers.driver(iommu);
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
      return OptionalLong.of(Integer.toUnsignedLong(ArmSmmuDriver.fwid(iommu, args)));
    }
    // arm-smmu-v3 and virtio-iommu take cell 0 as the ID.
    return args.isEmpty()
        ? OptionalLong.empty()
        : OptionalLong.of(Integer.toUnsignedLong(args.get(0)));
  }
}
