package dev.iommufw.core;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.collect.ImmutableList;

/**
 * The PCI identity of a device: segment (domain), requester ID and the requester IDs under
 * which its DMA reaches the IOMMU.
 *
 * <p>{@code dmaAliases} is the list the kernel's {@code pci_for_each_dma_alias()} would visit,
 * in its order; the first alias is normally the function's own requester ID. The firmware glue
 * does one look-up per alias. Immutable.
 *
 * @param segment PCI segment (domain) number, 0–0xffff
 * @param requesterId the function's own requester ID, {@code bus << 8 | devfn}, 0–0xffff
 * @param dmaAliases requester IDs in alias-walk order; never empty
 */
public record PciFunction(int segment, int requesterId, ImmutableList<Integer> dmaAliases) {
  /**
   * Validates the components.
   *
   * @param segment PCI segment (domain) number, 0–0xffff
   * @param requesterId the function's own requester ID, 0–0xffff
   * @param dmaAliases requester IDs in alias-walk order; never empty
   */
  public PciFunction {
    checkArgument(segment >= 0 && segment <= 0xffff, "segment out of range: %s", segment);
    checkArgument(
        requesterId >= 0 && requesterId <= 0xffff, "requester ID out of range: %s", requesterId);
    checkArgument(!dmaAliases.isEmpty(), "a PCI function has at least one DMA alias");
    for (int alias : dmaAliases) {
      checkArgument(alias >= 0 && alias <= 0xffff, "DMA alias out of range: %s", alias);
    }
  }

  /**
   * A function whose only DMA alias is its own requester ID (the usual case on a root bus or
   * below PCIe ports only).
   *
   * @param segment PCI segment
   * @param bus bus number, 0–0xff
   * @param devfn device and function, {@code device << 3 | function}, 0–0xff
   * @return the function
   */
  public static PciFunction of(int segment, int bus, int devfn) {
    checkArgument(bus >= 0 && bus <= 0xff, "bus out of range: %s", bus);
    checkArgument(devfn >= 0 && devfn <= 0xff, "devfn out of range: %s", devfn);
    int rid = bus << 8 | devfn;
    return new PciFunction(segment, rid, ImmutableList.of(rid));
  }

  /**
   * The bus number, {@code requesterId >> 8}.
   *
   * @return the bus
   */
  public int bus() {
    return requesterId >>> 8;
  }

  /**
   * The device-and-function byte, {@code requesterId & 0xff}.
   *
   * @return devfn
   */
  public int devfn() {
    return requesterId & 0xff;
  }
}
