package dev.iommufw.acpi;

import dev.iommufw.core.Device;
import dev.iommufw.core.Errno;
import dev.iommufw.core.FwNode;
import dev.iommufw.core.IommuCore;
import dev.iommufw.core.IommuException;
import dev.iommufw.core.IommuFwspec;
import dev.iommufw.core.IommuInstance;
import dev.iommufw.core.IommuOps;
import java.util.IdentityHashMap;

/**
 * A minimal IOMMU driver for the ACPI configure tests: it accepts any device whose fwspec names
 * this driver's ops, and binds it to the instance registered with the fwspec's firmware node (as
 * an SMMU or virtio-iommu driver finds its instance by {@code fwspec->iommu_fwnode}). One object
 * is one driver: two {@code AcpiTestDriver}s are two different drivers to the core.
 */
final class AcpiTestDriver implements IommuOps {
  private final String name;
  private final IdentityHashMap<FwNode, IommuInstance> instances = new IdentityHashMap<>();

  AcpiTestDriver(String name) {
    this.name = name;
  }

  /** A new, unregistered instance of this driver for {@code node}. */
  IommuInstance instance(FwNode node) {
    IommuInstance i = new IommuInstance(node.description(), node, this);
    instances.put(node, i);
    return i;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public IommuInstance probeDevice(IommuCore core, Device dev) throws IommuException {
    IommuFwspec f = core.fwspec(dev);
    if (f == null || f.ops() != this) {
      throw new IommuException(Errno.ENODEV, "not mine");
    }
    IommuInstance i = instances.get(f.iommuFwNode());
    if (i == null) {
      throw new IommuException(Errno.ENODEV, "unknown instance");
    }
    return i;
  }
}
