package dev.iommufw.machine;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import dev.iommufw.core.pci.PciDev;
import org.jspecify.annotations.Nullable;

/**
 * A machine description, as {@code machine.json} gives it (<a
 * href="{@docRoot}/dev/iommufw/core/doc-files/machine-format.html">the machine.json format</a>),
 * already checked for form and consistency by {@link MachineJson#parse}. Immutable.
 *
 * @param name informational name
 * @param kernel the Linux version whose rules the boot follows, {@code MAJOR.MINOR} (see {@link
 *     #kernelVersion()})
 * @param firmwareKind {@code dt} or {@code acpi}
 * @param firmwareFiles firmware file names, relative to the description's folder
 * @param iommuDrivers the IOMMU drivers the kernel has ({@code arm-smmu-v3}, {@code arm-smmu},
 *     {@code virtio-iommu}), in the description's order
 * @param iommuHardware hardware models by instance name
 * @param pciHosts the PCI host bridges
 * @param pci every PCI function enumeration found, in the description's order
 * @param platform DT platform devices whose driver binds
 * @param bindOrder the order in which devices are DMA-configured, as given (from 6.15 on: the order
 *     drivers bind, which no longer decides the outcome)
 */
public record MachineDescription(
    String name,
    String kernel,
    FirmwareKind firmwareKind,
    ImmutableList<String> firmwareFiles,
    ImmutableList<String> iommuDrivers,
    ImmutableMap<String, Hardware> iommuHardware,
    ImmutableList<PciHost> pciHosts,
    ImmutableList<PciEntry> pci,
    ImmutableList<PlatformEntry> platform,
    ImmutableList<String> bindOrder) {

  /**
   * The kernel version whose rules the boot follows.
   *
   * @return the parsed {@link #kernel()}
   */
  public KernelVersion kernelVersion() {
    return KernelVersion.parse(kernel).orElseThrow();
  }

  /** The exact value of the {@code format} key. */
  public static final String FORMAT = "iommufw-machine/1";

  /** The kind of firmware a machine boots with. */
  public enum FirmwareKind {
    /** One device tree blob. */
    DT,
    /** Raw ACPI tables: an IORT and, where present, a VIOT. */
    ACPI
  }

  /**
   * Validates non-nullness (form and consistency are {@link MachineJson}'s job).
   *
   * @param name informational name
   * @param kernel the kernel version, {@code MAJOR.MINOR}
   * @param firmwareKind the firmware kind
   * @param firmwareFiles firmware file names
   * @param iommuDrivers the kernel's IOMMU drivers
   * @param iommuHardware hardware models by instance name
   * @param pciHosts the PCI host bridges
   * @param pci the PCI functions
   * @param platform the platform devices
   * @param bindOrder the bind order as given
   * @throws IllegalArgumentException if {@code kernel} is not a {@link KernelVersion}
   */
  public MachineDescription {
    checkNotNull(name);
    checkNotNull(kernel);
    checkNotNull(firmwareKind);
    checkNotNull(firmwareFiles);
    checkNotNull(iommuDrivers);
    checkNotNull(iommuHardware);
    checkNotNull(pciHosts);
    checkNotNull(pci);
    checkNotNull(platform);
    checkNotNull(bindOrder);
    checkArgument(KernelVersion.parse(kernel).isPresent(), "not a kernel version: %s", kernel);
  }

  /**
   * What an emulated IOMMU accepts (see <a
   * href="{@docRoot}/dev/iommufw/core/doc-files/kernel-rules.html#hardware">hardware checks</a>).
   *
   * @param model {@code qemu-smmuv3} or {@code qemu-virtio-iommu}
   * @param sidBits for {@code qemu-smmuv3}, the stream-ID bits (0–32); else -1
   */
  public record Hardware(String model, int sidBits) {
    /** The SMMUv3 model. */
    public static final String QEMU_SMMUV3 = "qemu-smmuv3";

    /** The virtio-iommu model. */
    public static final String QEMU_VIRTIO_IOMMU = "qemu-virtio-iommu";

    /**
     * Validates the components.
     *
     * @param model the model name
     * @param sidBits stream-ID bits, or -1
     */
    public Hardware {
      checkNotNull(model);
    }
  }

  /**
   * A PCI host bridge.
   *
   * @param segment PCI segment
   * @param rootBus its root bus number
   * @param node for DT, the host controller node's path; null for ACPI
   */
  public record PciHost(int segment, int rootBus, @Nullable String node) {}

  /**
   * One PCI function.
   *
   * @param function the function as enumeration found it (quirk flags not yet applied)
   * @param driver the driver bound at the end of the boot, or null
   * @param failedDriver a driver whose probe ran and failed (only with {@code driver} null), or
   *     null
   */
  public record PciEntry(PciDev function, @Nullable String driver, @Nullable String failedDriver) {
    /**
     * Validates the function.
     *
     * @param function the function
     * @param driver the bound driver, or null
     * @param failedDriver the failed driver, or null
     */
    public PciEntry {
      checkNotNull(function);
    }

    /**
     * Whether a driver's probe runs on the function, so that it is DMA-configured (see <a
     * href="{@docRoot}/dev/iommufw/core/doc-files/kernel-rules.html#dma-configured">the
     * DMA-configured rule</a>): a driver binds, a driver's probe failed, or it is a PCI-to-PCI
     * bridge (class 06 04).
     *
     * @return true if DMA-configured
     */
    public boolean dmaConfigured() {
      return driver != null || failedDriver != null || function.isPciToPciBridgeClass();
    }
  }

  /**
   * One DT platform device.
   *
   * @param node the device node's path
   * @param driver the driver that binds, or null
   */
  public record PlatformEntry(String node, @Nullable String driver) {
    /**
     * Validates the path.
     *
     * @param node the path
     * @param driver the driver, or null
     */
    public PlatformEntry {
      checkNotNull(node);
    }

    /**
     * Whether the device is DMA-configured: its driver binds.
     *
     * @return true if DMA-configured
     */
    public boolean dmaConfigured() {
      return driver != null;
    }
  }
}
