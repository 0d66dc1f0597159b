package dev.iommufw.core;

import com.google.common.primitives.ImmutableIntArray;

/**
 * The driver side of an IOMMU (kernel: {@code struct iommu_ops}, the members that matter for
 * probing). One ops object stands for one driver: the core compares ops by identity to tell "same
 * driver" from "different drivers".
 *
 * <p>{@link #probeDevice}, {@link #releaseDevice} and {@link #deviceGroup} run with the core's
 * probe lock held; inside them the driver may read the device's fwspec with {@link
 * IommuCore#fwspec(Device)} and keep per-device state with {@link IommuCore#setPriv(Device,
 * Object)}. {@link #probeFinalize} runs after the lock is released.
 *
 * <p>Specifier translation for device tree is an optional capability, as in the kernel: a driver
 * implements {@link OfXlateFwspec} (the series' {@code of_xlate_fwspec}, preferred, lock-free) or
 * the legacy {@link LegacyOfXlate}, or neither (then device tree devices get no IOMMU).
 *
 * <p>Left out on purpose: module reference counting ({@code owner}); domains, page tables and the
 * DMA API; PASID/SVA; fault reporting.
 */
public interface IommuOps {
  /**
   * The driver's name, for example {@code arm-smmu-v3}. Informational.
   *
   * @return the name
   */
  String name();

  /**
   * Decides whether {@code dev} is this driver's and, if so, which instance translates it (kernel:
   * {@code probe_device}). Called with the probe lock held and the device's fwspec (if any)
   * installed. A driver normally checks that a fwspec exists and that its {@link IommuFwspec#ops()}
   * are this driver's, then finds its instance by {@link IommuFwspec#iommuFwNode()}, then validates
   * the IDs.
   *
   * @param core the system probing the device
   * @param dev the device
   * @return the registered instance that translates the device
   * @throws IommuException {@link Errno#ENODEV} if the device is not this driver's; another error
   *     (for example {@link Errno#ERANGE}) if the fwspec is unacceptable
   */
  IommuInstance probeDevice(IommuCore core, Device dev) throws IommuException;

  /**
   * Undoes {@link #probeDevice} (kernel: {@code release_device}). Called with the probe lock held,
   * on release and when a probe fails after {@code probeDevice} succeeded.
   *
   * @param core the system
   * @param dev the device
   */
  default void releaseDevice(IommuCore core, Device dev) {}

  /**
   * Called after a successful probe, without the probe lock (kernel: {@code probe_finalize});
   * called again when a probe is replayed for an already probed device.
   *
   * @param core the system
   * @param dev the device
   */
  default void probeFinalize(IommuCore core, Device dev) {}

  /**
   * Picks or creates the device's IOMMU group (kernel: {@code device_group}). Called with the probe
   * lock held after {@link #probeDevice} succeeded. The default gives every device a group of its
   * own (kernel: {@code generic_device_group}).
   *
   * @param core the system
   * @param dev the device
   * @return the group
   * @throws IommuException if no group can be given
   */
  default IommuGroup deviceGroup(IommuCore core, Device dev) throws IommuException {
    return core.genericDeviceGroup(dev);
  }

  /**
   * Device tree specifier translation into a caller-owned fwspec (the series' {@code
   * of_xlate_fwspec}, added by "iommu: Add ops-&gt;of_xlate_fwspec()"). Runs without any lock and
   * never touches the device's IOMMU slot: it only appends to the fwspec it is given.
   */
  @FunctionalInterface
  interface OfXlateFwspec {
    /**
     * Turns one specifier into fwspec IDs, normally with {@link IommuFwspec#appendIds}.
     *
     * @param fwspec the glue's fwspec, still {@link FwspecState#BUILDING}
     * @param dev the client device
     * @param iommuNode the IOMMU's firmware node ({@code args.np})
     * @param args the specifier cells, at most 16
     * @throws IommuException if the specifier is unacceptable
     */
    void ofXlateFwspec(IommuFwspec fwspec, Device dev, FwNode iommuNode, ImmutableIntArray args)
        throws IommuException;
  }

  /**
   * Legacy device tree specifier translation through the device (kernel: {@code of_xlate}). The
   * core parks the glue's fwspec in the device and calls this with the probe lock held; the driver
   * appends with {@link IommuCore#fwspecAddIds(Device, int...)} and may set private state with
   * {@link IommuCore#setPriv(Device, Object)}.
   */
  @FunctionalInterface
  interface LegacyOfXlate {
    /**
     * Turns one specifier into fwspec IDs through the device.
     *
     * @param core the system (probe lock held)
     * @param dev the client device
     * @param iommuNode the IOMMU's firmware node
     * @param args the specifier cells, at most 16
     * @throws IommuException if the specifier is unacceptable
     */
    void ofXlate(IommuCore core, Device dev, FwNode iommuNode, ImmutableIntArray args)
        throws IommuException;
  }
}
