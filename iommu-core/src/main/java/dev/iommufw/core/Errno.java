package dev.iommufw.core;

/**
 * The Linux error codes that IOMMU probing and the firmware glue use, by name.
 *
 * <p>The API never passes integer error codes; every typed failure maps one-to-one to one of these
 * constants so that reports and tests can name the kernel error. {@link #kernelValue()} gives the
 * Linux number for display only.
 */
public enum Errno {
  /** No such entry: end of a phandle list; an endpoint the hardware does not know. */
  ENOENT(2),
  /** IORT: an ID mapping does not match. */
  ENXIO(6),
  /** IORT: a range matched only on its last ID. */
  EAGAIN(11),
  /** Out of memory. */
  ENOMEM(12),
  /** {@code iommu-map}: an {@code id-base} has bits outside {@code iommu-map-mask}. */
  EFAULT(14),
  /** Busy: a driver found its per-device state already set. */
  EBUSY(16),
  /** Already exists: a stream-match entry is already assigned. */
  EEXIST(17),
  /** No IOMMU for this device. Not a failure: the device simply has no IOMMU. */
  ENODEV(19),
  /** Inconsistent input: different IOMMU drivers for one device, a malformed map, … */
  EINVAL(22),
  /** No free stream-match entry. */
  ENOSPC(28),
  /** An ID beyond what the IOMMU implements (SMMUv3 stream table). */
  ERANGE(34),
  /** A property shorter than the cells asked for; a VIOT node outside the table. */
  EOVERFLOW(75),
  /** The deferred-probe timeout expired. */
  ETIMEDOUT(110),
  /** The IOMMU is described but its driver has not registered yet: retry later. */
  EPROBE_DEFER(517);

  private final int kernelValue;

  Errno(int kernelValue) {
    this.kernelValue = kernelValue;
  }

  /**
   * The positive Linux value of this error, e.g. 19 for {@link #ENODEV}.
   *
   * @return the kernel's number
   */
  public int kernelValue() {
    return kernelValue;
  }
}
