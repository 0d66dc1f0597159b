package dev.iommufw.core;

import static com.google.common.base.Preconditions.checkNotNull;

import org.jspecify.annotations.Nullable;

/**
 * What a fwspec shares with every other fwspec of the same IOMMU instance: the owning core, the
 * IOMMU's firmware node and the driver's ops (kernel: {@code fwspec->iommu_fwnode} and {@code
 * fwspec->ops}). Sharing one object keeps an installed fwspec at 32 bytes plus its IDs (the
 * footprint target is at most 48 bytes + 4 per ID); the kernel's figure does not count the fwnode
 * or ops either.
 *
 * <p>A fwspec that a legacy {@code of_xlate} parked in a device gets a private copy that also names
 * that device, until it is handed off or freed.
 */
final class FwspecIommu {
  final IommuCore core;
  final @Nullable FwNode node;
  final @Nullable IommuOps ops;

  /** The device a legacy {@code of_xlate} parked the fwspec in; only in a private copy. */
  final @Nullable Device parkedOn;

  /** The shared object this is a private copy of, or this. */
  final FwspecIommu shared;

  /** The state of a fwspec with no IOMMU recorded yet; one per core. */
  FwspecIommu(IommuCore core) {
    this.core = checkNotNull(core);
    this.node = null;
    this.ops = null;
    this.parkedOn = null;
    this.shared = this;
  }

  /** The shared state of the fwspecs of one instance. */
  FwspecIommu(IommuCore core, FwNode node, IommuOps ops) {
    this.core = checkNotNull(core);
    this.node = checkNotNull(node);
    this.ops = checkNotNull(ops);
    this.parkedOn = null;
    this.shared = this;
  }

  private FwspecIommu(FwspecIommu shared, Device parkedOn) {
    this.core = shared.core;
    this.node = shared.node;
    this.ops = shared.ops;
    this.parkedOn = parkedOn;
    this.shared = shared;
  }

  /** A private copy recording that a legacy {@code of_xlate} parked the fwspec in {@code dev}. */
  FwspecIommu parkedOn(Device dev) {
    return new FwspecIommu(shared, dev);
  }
}
