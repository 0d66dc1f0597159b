package dev.iommufw.core;

import static com.google.common.base.Preconditions.checkNotNull;

import org.jspecify.annotations.Nullable;

/**
 * What an IOMMU driver may touch while the core holds the probe lock for one device: the device's
 * fwspec and driver-private data, the registration state of the driver's instances, and the group
 * helpers. The core hands one to {@link IommuOps#probeDevice}, {@link IommuOps#releaseDevice},
 * {@link IommuOps#deviceGroup} and {@link IommuOps.LegacyOfXlate#ofXlate}; a driver never makes
 * one.
 *
 * <p>A context is good for one device, on the thread the core called the driver on, until the
 * core's locked step that called the driver ends: {@code probe_device} and {@code device_group} of
 * one probe (and the {@code release_device} that undoes a probe failing after {@code probe_device})
 * share one context; a translation and a release each get their own. The probe lock is checked
 * once, when the core opens the context; every method then checks only that it runs on that thread
 * before that step ended, which, since the core closes the context before it releases the lock,
 * means the lock is still held. A context kept past its callback or passed to another thread fails
 * with {@link IllegalStateException} instead of reading a slot that another probe may be changing
 * (the kernel catches the same misuse with lockdep, when lockdep is enabled).
 *
 * <p>The system owner's operations (registering instances, probing and releasing devices) stay on
 * {@link IommuCore}; a driver that needs them is holding the wrong object.
 */
public final class ProbeContext {
  private final IommuCore core;
  private final Device dev;
  private final Thread owner;

  /** Written only by {@link #owner}, read only after checking the caller is the owner. */
  private boolean open = true;

  /** Opened by the core with the probe lock held; closed before that lock is released. */
  ProbeContext(IommuCore core, Device dev) {
    core.assertProbeLockHeld();
    this.core = core;
    this.dev = dev;
    this.owner = Thread.currentThread();
  }

  /** Ends the callback this context was opened for; later use fails. */
  void close() {
    open = false;
  }

  /**
   * The device the core called the driver for.
   *
   * @return the device
   * @throws IllegalStateException if the context is used outside its callback
   */
  public Device device() {
    checkLive();
    return dev;
  }

  /**
   * The device's fwspec (kernel: {@code dev_iommu_fwspec_get()}): the one installed for this probe
   * (or an earlier one), or during a legacy {@code of_xlate} the glue's fwspec being translated.
   *
   * @return the fwspec, or null for a device without one (a bus-wide IOMMU's device)
   * @throws IllegalStateException if the context is used outside its callback
   */
  public @Nullable IommuFwspec fwspec() {
    checkLive();
    DeviceIommu slot = dev.iommu;
    if (slot == null) {
      return null;
    }
    return slot.parked != null ? slot.parked : slot.fwspec;
  }

  /**
   * The driver's private data for the device (kernel: {@code dev_iommu_priv_get()}).
   *
   * @return the data, or null
   * @throws IllegalStateException if the context is used outside its callback
   */
  public @Nullable Object priv() {
    checkLive();
    DeviceIommu slot = dev.iommu;
    return slot == null ? null : slot.priv;
  }

  /**
   * Sets the driver's private data for the device (kernel: {@code dev_iommu_priv_set()}). The core
   * drops it when the device is released or its probe fails.
   *
   * @param priv the data, or null
   * @throws IllegalStateException if the context is used outside its callback, or the device has no
   *     IOMMU slot any more (a {@code release_device} that already ran)
   */
  public void setPriv(@Nullable Object priv) {
    checkLive();
    DeviceIommu slot = dev.iommu;
    if (slot == null) {
      throw new IllegalStateException(dev + " has no IOMMU slot (dev->iommu is NULL)");
    }
    slot.priv = priv;
  }

  /**
   * Appends IDs to the fwspec a legacy {@code of_xlate} is translating (kernel: {@code
   * iommu_fwspec_add_ids()}). Drivers with {@link IommuOps.OfXlateFwspec} append to the fwspec they
   * are given instead.
   *
   * @param ids the IDs
   * @throws IommuException {@link Errno#EINVAL} outside a legacy {@code of_xlate}: an installed
   *     fwspec is never changed
   * @throws IllegalStateException if the context is used outside its callback
   */
  public void addIds(int... ids) throws IommuException {
    checkNotNull(ids);
    checkLive();
    DeviceIommu slot = dev.iommu;
    IommuFwspec parked = slot == null ? null : slot.parked;
    if (parked == null) {
      throw new IommuException(Errno.EINVAL, dev + " has no fwspec being translated");
    }
    parked.appendIds(ids);
  }

  /**
   * Whether {@code instance} is registered in the core probing the device. A driver answers {@link
   * Errno#ENODEV} for a device whose fwspec names an instance that is not.
   *
   * @param instance one of the driver's instances
   * @return true if registered in this device's core
   * @throws IllegalStateException if the context is used outside its callback
   */
  public boolean isRegistered(IommuInstance instance) {
    checkNotNull(instance);
    checkLive();
    return instance.isRegisteredIn(core);
  }

  /**
   * A new group with no members, for {@link IommuOps#deviceGroup} (kernel: {@code
   * generic_device_group()}); the core adds the device when the probe completes.
   *
   * @return a new group
   * @throws IllegalStateException if the context is used outside its callback
   */
  public IommuGroup genericDeviceGroup() {
    checkLive();
    return core.newGroup();
  }

  /**
   * The group of a PCI function, for {@link IommuOps#deviceGroup} (kernel: {@code
   * pci_device_group()}; see <a
   * href="{@docRoot}/dev/iommufw/core/doc-files/kernel-rules.html#groups">IOMMU groups</a>): the
   * group of the first DMA-alias carrier that has one; else, climbing from the last alias's carrier
   * through bridges until the path is ACS-isolated, the group of a bridge on the way or of the
   * device the climb ends at; else the group of a non-isolated function in the same multi-function
   * slot; else a new group. Walks the {@link IommuCore#pciTopology()} given to the core at
   * construction; a function the topology does not know can only join a group through its DMA
   * aliases. A device that is not a PCI function gets a new group.
   *
   * @return the group to join
   * @throws IllegalStateException if the context is used outside its callback
   */
  public IommuGroup pciDeviceGroup() {
    checkLive();
    return PciDeviceGroups.group(core, dev, core.pciTopology());
  }

  /**
   * Describes the context for diagnostics; safe from any thread.
   *
   * @return {@code ProbeContext[<device>]}
   */
  @Override
  public String toString() {
    return "ProbeContext[" + dev + "]";
  }

  /**
   * Fails unless called on the thread the core called the driver on, before the callback returned.
   */
  private void checkLive() {
    Thread caller = Thread.currentThread();
    if (caller != owner) {
      throw new IllegalStateException(
          "ProbeContext for "
              + dev
              + " used on thread "
              + caller.getName()
              + "; it is only good on "
              + owner.getName()
              + " during the driver callback");
    }
    if (!open) {
      throw new IllegalStateException(
          "ProbeContext for " + dev + " used after its driver callback returned");
    }
  }
}
