package dev.iommufw.drivers;

import static com.google.common.base.Preconditions.checkArgument;

import dev.iommufw.core.Device;
import dev.iommufw.core.Errno;
import dev.iommufw.core.FwNode;
import dev.iommufw.core.IommuException;
import dev.iommufw.core.IommuFwspec;
import dev.iommufw.core.IommuGroup;
import dev.iommufw.core.IommuInstance;
import dev.iommufw.core.IommuOps;
import dev.iommufw.core.ProbeContext;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * A driver's own table of its hardware instances, found by firmware node (the kernel drivers'
 * {@code arm_smmu_get_by_fwnode()} and friends). The core keeps its fwnode look-up private, so a
 * driver that needs per-instance state keeps this table itself.
 *
 * <p>Thread-safe.
 *
 * @param <S> the driver's per-instance state
 */
final class DriverInstances<S> {
  private final IdentityHashMap<FwNode, Entry<S>> byNode = new IdentityHashMap<>();
  private final Set<Device> probed = ConcurrentHashMap.newKeySet();

  /** One instance and its driver state. */
  record Entry<S>(IommuInstance instance, S state) {}

  /** Adds an instance; its node must be new to this driver. */
  synchronized void add(IommuInstance instance, S state) {
    FwNode node = instance.fwNode();
    checkArgument(node != null, "reference drivers register instances with a firmware node");
    checkArgument(!byNode.containsKey(node), "instance already known for %s", node);
    byNode.put(node, new Entry<>(instance, state));
  }

  /** Whether the driver's {@code probe_device} has run on the device. */
  boolean probed(Device dev) {
    return probed.contains(dev);
  }

  /**
   * The group a reference driver gives a device (the kernel drivers' {@code device_group}): {@code
   * pci_device_group} for PCI functions, {@code generic_device_group} for the rest.
   */
  static IommuGroup deviceGroup(ProbeContext ctx) {
    return ctx.device().pci() != null ? ctx.pciDeviceGroup() : ctx.genericDeviceGroup();
  }

  synchronized @Nullable Entry<S> get(FwNode node) {
    return byNode.get(node);
  }

  /**
   * The probe-time checks every reference driver shares: the device has a fwspec, the fwspec is
   * this driver's, and its instance is known and registered in the probing core.
   */
  Entry<S> claim(ProbeContext ctx, IommuOps ops) throws IommuException {
    Device dev = ctx.device();
    probed.add(dev);
    IommuFwspec fwspec = ctx.fwspec();
    if (fwspec == null || fwspec.ops() != ops) {
      throw new IommuException(Errno.ENODEV, dev.name() + " is not " + ops.name() + "'s");
    }
    FwNode node = fwspec.iommuFwNode();
    Entry<S> entry = node == null ? null : get(node);
    if (entry == null || !ctx.isRegistered(entry.instance())) {
      throw new IommuException(
          Errno.ENODEV, "no registered " + ops.name() + " instance for " + dev.name());
    }
    return entry;
  }
}
