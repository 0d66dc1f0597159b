package dev.iommufw.drivers;

import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.primitives.ImmutableIntArray;
import dev.iommufw.core.Device;
import dev.iommufw.core.Errno;
import dev.iommufw.core.FwNode;
import dev.iommufw.core.IommuCore;
import dev.iommufw.core.IommuException;
import dev.iommufw.core.IommuFwspec;
import dev.iommufw.core.IommuGroup;
import dev.iommufw.core.IommuInstance;
import dev.iommufw.core.IommuOps;
import dev.iommufw.core.ProbeContext;
import java.util.function.IntPredicate;

/**
 * Reference driver for virtio-iommu ({@code virtio,pci-iommu}, {@code pci1af4,1057}, or {@code
 * virtio,mmio} with {@code #iommu-cells}; kernel: {@code virtio-iommu}).
 *
 * <p>Device tree: one specifier cell is one endpoint ID. At probe, the device must be this driver's
 * and its instance registered; when the instance was created with a set of known endpoints (what
 * the emulated hardware's PCI model lets issue DMA), every endpoint ID must be one of them, else
 * {@link Errno#ENOENT} — the device answers a probe request for an unknown endpoint with "no
 * entry".
 *
 * <p>One driver object serves one {@link IommuCore}.
 */
public final class VirtioIommuDriver implements IommuOps, IommuOps.OfXlateFwspec {
  /** The driver's name, as the reports spell it. */
  public static final String NAME = "virtio-iommu";

  private final DriverInstances<IntPredicate> instances = new DriverInstances<>();

  /** Creates the driver with no instances. */
  public VirtioIommuDriver() {}

  @Override
  public String name() {
    return NAME;
  }

  /**
   * Creates an instance that accepts every endpoint ID.
   *
   * @param name the instance name, for example {@code 0000:00:01.0}
   * @param node the firmware node of the device carrying the IOMMU
   * @return the instance
   */
  public IommuInstance createInstance(String name, FwNode node) {
    return createInstance(name, node, id -> true);
  }

  /**
   * Creates an instance that accepts only the given endpoint IDs.
   *
   * @param name the instance name
   * @param node the firmware node of the device carrying the IOMMU
   * @param knownEndpoints the endpoint IDs the hardware knows
   * @return the instance
   */
  public IommuInstance createInstance(String name, FwNode node, IntPredicate knownEndpoints) {
    checkNotNull(name);
    checkNotNull(node);
    checkNotNull(knownEndpoints);
    IommuInstance instance = new IommuInstance(name, node, this);
    instances.add(instance, knownEndpoints);
    return instance;
  }

  @Override
  public void ofXlateFwspec(
      IommuFwspec fwspec, Device dev, FwNode iommuNode, ImmutableIntArray args)
      throws IommuException {
    checkNotNull(fwspec);
    checkNotNull(dev);
    checkNotNull(iommuNode);
    checkNotNull(args);
    if (args.isEmpty()) {
      throw new IommuException(
          Errno.EINVAL, "virtio-iommu specifier without cells for " + dev.name());
    }
    fwspec.appendIds(args.get(0));
  }

  @Override
  public IommuInstance probeDevice(ProbeContext ctx) throws IommuException {
    checkNotNull(ctx);
    Device dev = ctx.device();
    DriverInstances.Entry<IntPredicate> entry = instances.claim(ctx, this);
    IommuFwspec fwspec = java.util.Objects.requireNonNull(ctx.fwspec());
    for (int endpoint : fwspec.ids().toArray()) {
      if (!entry.state().test(endpoint)) {
        throw new IommuException(
            Errno.ENOENT,
            String.format(
                "endpoint 0x%x of %s unknown to %s",
                endpoint, dev.name(), entry.instance().name()));
      }
    }
    return entry.instance();
  }

  @Override
  public IommuGroup deviceGroup(ProbeContext ctx) {
    checkNotNull(ctx);
    return DriverInstances.deviceGroup(ctx);
  }

  /**
   * Whether this driver's {@code probe_device} has run on the device, successfully or not: a
   * configure failure that happened before the fwspec reached the driver is the glue's, one after
   * is the hardware's.
   *
   * @param dev a device
   * @return true once probed
   */
  public boolean probed(Device dev) {
    return instances.probed(dev);
  }
}
