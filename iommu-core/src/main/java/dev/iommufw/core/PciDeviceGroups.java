package dev.iommufw.core;

import dev.iommufw.core.pci.Bdf;
import dev.iommufw.core.pci.PciDev;
import dev.iommufw.core.pci.PciFunction;
import dev.iommufw.core.pci.PciTopology;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The kernel's {@code pci_device_group()} over a {@link PciTopology} (see <a
 * href="{@docRoot}/dev/iommufw/core/doc-files/kernel-rules.html#groups">IOMMU groups</a>). Runs
 * under the core's probe lock, so every other device's group is stable while it looks.
 */
final class PciDeviceGroups {
  private PciDeviceGroups() {}

  static IommuGroup group(IommuCore core, Device dev, @Nullable PciTopology topology) {
    PciFunction fn = dev.pci();
    if (fn == null) {
      return core.newGroup();
    }
    // Looked up per carrier through the core's index: a probe costs O(aliases + depth).
    Function<Bdf, @Nullable Device> index = core::pciDevice;
    PciDev f =
        topology == null
            ? null
            : topology.function(Bdf.ofRequesterId(fn.segment(), fn.requesterId()));
    if (topology == null || f == null) {
      // No topology for this function: only its aliases can tie it to another device.
      for (int rid : fn.dmaAliases().toArray()) {
        IommuGroup g = groupOf(index.apply(Bdf.ofRequesterId(fn.segment(), rid)));
        if (g != null) {
          return g;
        }
      }
      return core.newGroup();
    }
    // 1. The aliases, each carried by a device: the first carrier that has a group wins.
    PciDev[] last = {f};
    IommuGroup g =
        topology.forEachDmaAlias(
            f,
            alias -> {
              last[0] = alias.carrier();
              return groupOf(index.apply(alias.carrier().bdf()));
            });
    if (g != null) {
      return g;
    }
    PciDev p = last[0];
    // 2. Climb from the point of minimum granularity until the path is ACS-isolated.
    for (PciDev b = topology.upstreamBridge(p); b != null; b = topology.upstreamBridge(b)) {
      if (topology.isolatedPath(b)) {
        break;
      }
      p = b;
      g = groupOf(index.apply(b.bdf()));
      if (g != null) {
        return g;
      }
    }
    // 3. The device the climb ended at.
    g = groupOf(index.apply(p.bdf()));
    if (g != null) {
      return g;
    }
    // 4. Non-isolated functions of a multi-function slot share.
    if (p.multifunction() && !PciTopology.isolated(p)) {
      for (PciDev sibling : topology.slot(p)) {
        if (!sibling.bdf().equals(p.bdf()) && !PciTopology.isolated(sibling)) {
          g = groupOf(index.apply(sibling.bdf()));
          if (g != null) {
            return g;
          }
        }
      }
    }
    // 5. Nothing to share with.
    return core.newGroup();
  }

  private static @Nullable IommuGroup groupOf(@Nullable Device d) {
    if (d == null) {
      return null;
    }
    DeviceIommu slot = d.iommu;
    return slot == null ? null : slot.group;
  }
}
