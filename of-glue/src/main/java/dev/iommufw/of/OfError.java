package dev.iommufw.of;

/** The errno values an OF look-up can fail with (kernel: negative return values). */
public enum OfError {
  /** Invalid argument: a malformed property, e.g. an {@code iommu-map} of a bad length. */
  EINVAL,
  /** Bad address: an {@code iommu-map} base lies outside {@code iommu-map-mask}. */
  EFAULT,
  /** No such device: no {@code iommu-map} property ("this device has no IOMMU"). */
  ENODEV
}
