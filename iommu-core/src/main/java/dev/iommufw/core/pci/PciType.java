package dev.iommufw.core.pci;

import static com.google.common.base.Preconditions.checkNotNull;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * What a PCI function is, as its config space says (the PCI Express capability's device/port type,
 * or the header type and class for conventional functions). Decides how the function takes part in
 * the DMA alias walk ({@link PciTopology#dmaAliases}) and in ACS isolation.
 */
public enum PciType {
  /** A PCIe, legacy or conventional endpoint. */
  ENDPOINT(false),
  /** A PCIe root complex integrated endpoint. */
  RC_INTEGRATED_ENDPOINT(false),
  /** A host bridge function (class 06 00); not a PCI-to-PCI bridge. */
  HOST_BRIDGE(false),
  /** A PCIe root port. */
  ROOT_PORT(true),
  /** A PCIe switch upstream port. */
  UPSTREAM_PORT(true),
  /** A PCIe switch downstream port. */
  DOWNSTREAM_PORT(true),
  /** A PCIe-to-PCI/PCI-X bridge. */
  PCIE_TO_PCI_BRIDGE(true),
  /** A PCI/PCI-X-to-PCIe bridge. */
  PCI_TO_PCIE_BRIDGE(true),
  /** A conventional PCI-to-PCI bridge. */
  PCI_BRIDGE(true);

  private final boolean bridge;

  PciType(boolean bridge) {
    this.bridge = bridge;
  }

  /**
   * Whether functions of this type are PCI-to-PCI bridges with a secondary bus.
   *
   * @return true for bridges
   */
  public boolean isBridge() {
    return bridge;
  }

  /**
   * The type's name in machine descriptions, for example {@code pcie-to-pci-bridge}.
   *
   * @return the lowercase, hyphenated name
   */
  public String jsonName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /**
   * The type with the given machine-description name.
   *
   * @param name a name as {@link #jsonName()} spells it
   * @return the type, or null if there is none with that name
   */
  public static @Nullable PciType fromJsonName(String name) {
    checkNotNull(name);
    for (PciType t : values()) {
      if (t.jsonName().equals(name)) {
        return t;
      }
    }
    return null;
  }
}
