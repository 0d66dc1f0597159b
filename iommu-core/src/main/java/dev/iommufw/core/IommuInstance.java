package dev.iommufw.core;

import static com.google.common.base.Preconditions.checkNotNull;

import java.util.LinkedHashSet;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One IOMMU hardware instance that a driver registers with a core (kernel: {@code struct
 * iommu_device}).
 *
 * <p>An instance is identified to the firmware glue by its firmware node: the glue finds the
 * instance that registered with the node that a device's firmware description names. An
 * instance registered without a node (null) serves devices that have no fwspec at all, as the
 * kernel's bus-wide IOMMUs do.
 *
 * <p>An instance is registered in at most one core at a time. Its name, node and ops never
 * change; registration state is managed by {@link IommuCore#registerInstance} and {@link
 * IommuCore#unregisterInstance}.
 */
public final class IommuInstance {
  private final String name;
  private final @Nullable FwNode fwnode;
  private final IommuOps ops;

  /** The core this instance is registered in; written under that core's registry lock. */
  private volatile @Nullable IommuCore registeredIn;

  /** Devices bound to this instance; guarded by the probe lock of {@link #registeredIn}. */
  final Set<Device> boundDevices = new LinkedHashSet<>();

  /** Shared by the fwspecs recorded for this instance; made on first use per core. */
  private volatile @Nullable FwspecIommu fwspecIommu;

  /**
   * Creates an instance, not yet registered.
   *
   * @param name the instance's name, for example {@code smmu3.0x0000000009050000}
   * @param fwnode the firmware node of the IOMMU's own device, or null for none
   * @param ops the driver's ops
   */
  public IommuInstance(String name, @Nullable FwNode fwnode, IommuOps ops) {
    this.name = checkNotNull(name);
    this.fwnode = fwnode;
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
  public @Nullable FwNode fwnode() {
    return fwnode;
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
    return registeredIn == core;
  }

  /**
   * The core, node and ops that every fwspec recorded for this instance in {@code core} shares.
   * Two racing first calls may each make one; both are correct, only less shared.
   */
  FwspecIommu fwspecIommu(IommuCore core) {
    FwspecIommu shared = fwspecIommu;
    FwNode node = fwnode;
    if (shared == null || shared.core != core) {
      checkNotNull(node, "an instance without a firmware node is never recorded in a fwspec");
      shared = new FwspecIommu(core, node, ops);
      fwspecIommu = shared;
    }
    return shared;
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
