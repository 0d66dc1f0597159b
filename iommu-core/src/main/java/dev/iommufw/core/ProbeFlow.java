package dev.iommufw.core;

import static com.google.common.base.Preconditions.checkNotNull;

import java.util.Comparator;

/**
 * Where a device's fwspec is born, chosen once per {@link IommuCore} at construction. The two flows
 * are the two answers the kernel gave to the race between a device's probe and its IOMMU's
 * registration.
 *
 * <ul>
 *   <li>{@link OffDeviceHandover} (the default): the firmware glue builds the fwspec off the device
 *       when the device's driver binds, and hands it over with {@link IommuCore#probeDevice(Device,
 *       IommuFwspec)}; a device whose IOMMU is not registered yet waits in the deferral index and
 *       is configured again when the instance registers. This is the "on-stack fwspec" series this
 *       library ports.
 *   <li>{@link FirmwareInProbe}: the kernel's own answer from Linux 6.15 on (upstream commit
 *       "iommu: Get DT/ACPI parsing into the proper probe path"). The core's probe path ({@code
 *       __iommu_probe_device()} → {@code iommu_init_device()}) calls the bus's DMA-configure step
 *       itself when the device has no fwspec, so every device is configured when it is added and
 *       again when an instance registers: registration ({@code iommu_device_register()} → {@code
 *       bus_iommu_probe()}) probes every device already present, in bus order, and the first probe
 *       that fails with an error other than {@link Errno#ENODEV} fails the registration.
 * </ul>
 */
public sealed interface ProbeFlow {
  /**
   * The series' off-device hand-over: the flow every {@link IommuCore} uses unless told otherwise.
   *
   * @return the flow
   */
  static ProbeFlow offDeviceHandover() {
    return OffDeviceHandover.INSTANCE;
  }

  /**
   * The firmware parse in the probe path, with registration probing devices in the order they were
   * added to the core.
   *
   * @return the flow
   */
  static ProbeFlow firmwareInProbe() {
    return new FirmwareInProbe(FirmwareInProbe.ADD_ORDER);
  }

  /**
   * The firmware parse in the probe path, with registration probing devices in the owner's bus
   * order (kernel: {@code iommu_buses[]} in turn, each bus's devices in the order the bus added
   * them).
   *
   * @param busOrder orders the devices a registration probes; devices it ranks equal keep the order
   *     they were added in
   * @return the flow
   */
  static ProbeFlow firmwareInProbe(Comparator<? super Device> busOrder) {
    return new FirmwareInProbe(busOrder);
  }

  /** The series' off-device hand-over (see {@link ProbeFlow}). */
  final class OffDeviceHandover implements ProbeFlow {
    static final OffDeviceHandover INSTANCE = new OffDeviceHandover();

    private OffDeviceHandover() {}

    @Override
    public String toString() {
      return "off-device hand-over";
    }
  }

  /**
   * The firmware parse in the probe path (see {@link ProbeFlow}).
   *
   * @param busOrder the order in which a registration probes the devices present
   */
  record FirmwareInProbe(Comparator<? super Device> busOrder) implements ProbeFlow {
    /** Every device ranks equal: the order of addition decides. */
    static final Comparator<Device> ADD_ORDER = new AddOrder();

    /** A plain class, not a JDK lambda, so that reflective tools can look inside a core. */
    private static final class AddOrder implements Comparator<Device> {
      @Override
      @SuppressWarnings("UnusedVariable") // every device ranks equal
      public int compare(Device a, Device b) {
        return 0;
      }
    }

    /**
     * Validates the order.
     *
     * @param busOrder the order in which a registration probes the devices present
     */
    public FirmwareInProbe {
      checkNotNull(busOrder);
    }

    @Override
    public String toString() {
      return "firmware parse in the probe path";
    }
  }
}
