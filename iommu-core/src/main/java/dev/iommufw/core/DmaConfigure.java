package dev.iommufw.core;

/**
 * A bus's DMA-configure step, run before a device's driver probes (kernel: {@code
 * bus->dma_configure}, which calls {@code of_dma_configure_id()} or {@code
 * acpi_dma_configure_id()}).
 *
 * <p>The firmware glue provides it: it builds the device's fwspec off the device and hands it to
 * {@link IommuCore#probeDevice(Device, IommuFwspec)}. The core runs it through {@link
 * IommuCore#dmaConfigure(Device)} and again, automatically, when an instance the device was
 * deferred on registers.
 */
@FunctionalInterface
public interface DmaConfigure {
  /**
   * Configures {@code dev}'s IOMMU from firmware.
   *
   * @param core the system
   * @param dev the device
   * @return the outcome
   */
  DmaConfigureResult configure(IommuCore core, Device dev);
}
