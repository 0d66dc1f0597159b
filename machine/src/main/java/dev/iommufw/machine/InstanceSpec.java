package dev.iommufw.machine;

import dev.iommufw.core.FwNode;
import dev.iommufw.machine.MachineDescription.Hardware;
import org.jspecify.annotations.Nullable;

/**
 * An IOMMU instance that firmware describes (see <a
 * href="{@docRoot}/dev/iommufw/core/doc-files/machine-format.html#instance-names">instance
 * names</a>).
 *
 * @param name the kernel's sysfs name of the IOMMU device
 * @param driver {@code arm-smmu-v3}, {@code arm-smmu} or {@code virtio-iommu}
 * @param node the firmware node the glue names it by
 * @param carrier for a virtio-iommu, the device that carries it (BDF or DT path); else null
 * @param registers whether it registers in the default boot: its driver is in {@code
 *     iommu_drivers}, its node is available and its carrier (if any) binds
 * @param hardware what the emulated hardware accepts, or null to accept every fwspec
 * @param segment the PCI segment whose functions a virtio-iommu serves
 */
record InstanceSpec(
    String name,
    String driver,
    FwNode node,
    @Nullable String carrier,
    boolean registers,
    @Nullable Hardware hardware,
    int segment) {}
