package dev.iommufw.core;

import static com.google.common.base.Preconditions.checkNotNull;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One IOMMU hardware instance that a driver registers with a core (kernel: {@code struct
 * iommu_device}).
 *
 * <p>An instance is identified to the firmware glue by its firmware node: the glue finds the
 * instance that registered with the node that a device's firmware description names. An instance
 * registered without a node (null) serves devices that have no fwspec at all, as the kernel's
 * bus-wide IOMMUs do.
 *
 * <p>An instance is registered in at most one core at a time. Its name, node and ops never change;
 * registration state is managed by {@link IommuCore#registerInstance} and {@link
 * IommuCore#unregisterInstance}.
 */
public final class IommuInstance {
  private final String name;
  private final @Nullable FwNode fwNode;
  private final IommuOps ops;

  /** The core this instance is registered in; written under that core's registry lock. */
  private volatile @Nullable IommuCore registeredIn;

  // Devices bound to this instance, in bind order: a list linked through the devices' IOMMU
  // slots (DeviceIommu.prevBound/nextBound). Guarded by the probe lock of registeredIn.
  private @Nullable Device firstBound;
  private @Nullable Device lastBound;

  /** Shared by the fwspecs recorded for this instance; made on first use per core. */
  private volatile @Nullable FwspecIommu fwspecIommu;

  /**
   * Creates an instance, not yet registered.
   *
   * @param name the instance's name, for example {@code smmu3.0x0000000009050000}
   * @param fwNode the firmware node of the IOMMU's own device, or null for none
   * @param ops the driver's ops
   */
  public IommuInstance(String name, @Nullable FwNode fwNode, IommuOps ops) {
    this.name = checkNotNull(name);
    this.fwNode = fwNode;
    this.ops = checkNotNull(ops);
  }

  /**
   * The instance's name.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * The firmware node the instance registers with (kernel: {@code iommu->fwnode}).
   *
   * @return the node, or null
   */
  public @Nullable FwNode fwNode() {
    return fwNode;
  }

  /**
   * The driver's ops (kernel: {@code iommu->ops}).
   *
   * @return the ops
   */
  public IommuOps ops() {
    return ops;
  }

  /**
   * Whether the instance is currently registered in {@code core}.
   *
   * @param core a system
   * @return true if registered there
   */
  public boolean isRegisteredIn(IommuCore core) {
    checkNotNull(core);
    return registeredIn == core;
  }

  /**
   * The core, node and ops that every fwspec recorded for this instance in {@code core} shares. Two
   * racing first calls may each make one; both are correct, only less shared.
   */
  FwspecIommu fwspecIommu(IommuCore core) {
    FwspecIommu shared = fwspecIommu;
    FwNode node = fwNode;
    if (shared == null || shared.core != core) {
      checkNotNull(node, "an instance without a firmware node is never recorded in a fwspec");
      shared = new FwspecIommu(core, node, ops);
      fwspecIommu = shared;
    }
    return shared;
  }

  /** Appends a device whose slot names this instance; probe lock held. */
  void bind(Device dev, DeviceIommu slot) {
    Device last = lastBound;
    slot.prevBound = last;
    slot.nextBound = null;
    if (last == null) {
      firstBound = dev;
    } else {
      checkNotNull(last.iommu).nextBound = dev;
    }
    lastBound = dev;
  }

  /** Unlinks a device if it is bound here; probe lock held; its slot must still be set. */
  void unbind(Device dev, DeviceIommu slot) {
    Device prev = slot.prevBound;
    Device next = slot.nextBound;
    if (prev == null && firstBound != dev) {
      return; // never bound (the probe failed before binding)
    }
    if (prev == null) {
      firstBound = next;
    } else {
      checkNotNull(prev.iommu).nextBound = next;
    }
    if (next == null) {
      lastBound = prev;
    } else {
      checkNotNull(next.iommu).prevBound = prev;
    }
    slot.prevBound = null;
    slot.nextBound = null;
  }

  /** The bound devices in bind order; probe lock held. */
  List<Device> boundDevices() {
    List<Device> out = new ArrayList<>();
    for (Device d = firstBound; d != null; d = checkNotNull(d.iommu).nextBound) {
      out.add(d);
    }
    return out;
  }

  @Nullable IommuCore registeredIn() {
    return registeredIn;
  }

  void setRegisteredIn(@Nullable IommuCore core) {
    registeredIn = core;
  }

  @Override
  public String toString() {
    return "IommuInstance[" + name + ", " + ops.name() + "]";
  }
}
