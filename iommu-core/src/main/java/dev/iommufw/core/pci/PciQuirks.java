package dev.iommufw.core.pci;

import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableSet;

/**
 * The Linux PCI quirks that change DMA aliases and ACS isolation, as far as this project models
 * them (see <a href="{@docRoot}/dev/iommufw/core/doc-files/kernel-rules.html#quirks">quirks</a>).
 * Linux has many more; these are decided by vendor:device ID and topology.
 */
public final class PciQuirks {
  /**
   * Vendor:device IDs of {@code quirk_use_pcie_bridge_dma_alias}, as {@code vendor << 16 | device}.
   */
  private static final ImmutableSet<Integer> PCIE_BRIDGE_ALIAS_IDS =
      ImmutableSet.of(0x1b211080, 0x10e38113, 0x12838892, 0x12838893, 0x8086244e);

  private PciQuirks() {}

  /**
   * Whether Linux flags a bridge {@code PCI_DEV_FLAG_PCIE_BRIDGE_ALIAS} (kernel: {@code
   * quirk_use_pcie_bridge_dma_alias}): a conventional {@link PciType#PCI_BRIDGE}, not PCIe, not on
   * a root bus, whose parent is PCIe and not a PCIe-to-PCI bridge, with one of the IDs {@code
   * 1b21:1080}, {@code 10e3:8113}, {@code 1283:8892}, {@code 1283:8893}, {@code 8086:244e}.
   *
   * @param dev the function
   * @param parent the bridge above its bus (a function on a root bus never has the quirk)
   * @return true if the quirk applies
   */
  public static boolean usesPcieBridgeDmaAlias(PciDev dev, PciDev parent) {
    checkNotNull(dev);
    checkNotNull(parent);
    return dev.type() == PciType.PCI_BRIDGE
        && !dev.pcie()
        && parent.pcie()
        && parent.type() != PciType.PCIE_TO_PCI_BRIDGE
        && PCIE_BRIDGE_ALIAS_IDS.contains(dev.vendorId() << 16 | dev.deviceId());
  }

  /**
   * The topology with Linux's quirk flags set: {@link #usesPcieBridgeDmaAlias} for every bridge not
   * on a root bus. (The Intel integrated-endpoint ACS quirk needs no flag: {@link
   * PciTopology#isolated} applies it.) The translation-root flag is never set here.
   *
   * @param topology a topology
   * @return the topology with the flags set
   */
  public static PciTopology apply(PciTopology topology) {
    PciTopology.Builder out = PciTopology.builder();
    for (PciDev d : topology.functions()) {
      PciDev parent = topology.upstreamBridge(d);
      boolean flag = parent != null && usesPcieBridgeDmaAlias(d, parent);
      out.add(flag == d.pcieBridgeAlias() ? d : d.toBuilder().pcieBridgeAlias(flag).build());
    }
    topology.forEachRootBus(out::rootBus);
    return out.build();
  }
}
