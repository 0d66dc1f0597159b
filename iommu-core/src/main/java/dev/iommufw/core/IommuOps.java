package dev.iommufw.core;

import com.google.common.primitives.ImmutableIntArray;

/**
 * The driver side of an IOMMU (kernel: {@code struct iommu_ops}, the members that matter for
 * probing). One ops object stands for one driver: the core compares ops by identity to tell "same
 * driver" from "different drivers".
 *
 * <p>{@link #probeDevice}, {@link #releaseDevice} and {@link #deviceGroup} run with the core's
 * probe lock held and receive a {@link ProbeContext}: everything a driver may touch there (the
 * device's fwspec, per-device private data, whether an instance is registered, the group helpers)
 * and nothing of the system owner's. The context is good only until the callback returns. {@link
 * #probeFinalize} runs after the lock is released and receives only the device.
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
   * installed. A driver normally checks that {@link ProbeContext#fwspec()} exists and that its
   * {@link IommuFwspec#ops()} are this driver's, then finds its instance by {@link
   * IommuFwspec#iommuFwNode()} and checks it {@link ProbeContext#isRegistered}, then validates the
   * IDs.
   *
   * @param ctx the device being probed, good until this method returns
   * @return the registered instance that translates the device
   * @throws IommuException {@link Errno#ENODEV} if the device is not this driver's; another error
   *     (for example {@link Errno#ERANGE}) if the fwspec is unacceptable
   */
  IommuInstance probeDevice(ProbeContext ctx) throws IommuException;

  /**
   * Undoes {@link #probeDevice} (kernel: {@code release_device}). Called with the probe lock held,
   * on release and when a probe fails after {@code probeDevice} succeeded; the device's private
   * data is still readable, and is dropped after this returns.
   *
   * @param ctx the device being released, good until this method returns
   */
  default void releaseDevice(ProbeContext ctx) {}

  /**
   * Called after a successful probe, without the probe lock (kernel: {@code probe_finalize});
   * called again when a probe is replayed for an already probed device. Without the lock the
   * device's IOMMU slot is not the driver's to touch, so only the device is given.
   *
   * @param dev the device
   */
  default void probeFinalize(Device dev) {}

  /**
   * Picks or creates the device's IOMMU group (kernel: {@code device_group}). Called with the probe
   * lock held after {@link #probeDevice} succeeded. The default gives every device a group of its
   * own ({@link ProbeContext#genericDeviceGroup()}); a driver for PCI devices normally answers
   * {@link ProbeContext#pciDeviceGroup()} for them.
   *
   * @param ctx the device being probed, good until this method returns
   * @return the group
   * @throws IommuException if no group can be given
   */
  default IommuGroup deviceGroup(ProbeContext ctx) throws IommuException {
    return ctx.genericDeviceGroup();
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
   * appends with {@link ProbeContext#addIds(int...)} and may set private state with {@link
   * ProbeContext#setPriv(Object)}.
   */
  @FunctionalInterface
  interface LegacyOfXlate {
    /**
     * Turns one specifier into fwspec IDs through the device.
     *
     * @param ctx the client device, with the fwspec being translated; good until this returns
     * @param iommuNode the IOMMU's firmware node
     * @param args the specifier cells, at most 16
     * @throws IommuException if the specifier is unacceptable
     */
    void ofXlate(ProbeContext ctx, FwNode iommuNode, ImmutableIntArray args) throws IommuException;
  }
}
