package dev.iommufw.core.pci;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

/**
 * One requester ID under which a function's DMA reaches the IOMMU, with the function that "carries"
 * it (kernel: the {@code pdev} argument of a {@code pci_for_each_dma_alias()} callback): the
 * function itself for its own RID and its quirk aliases, the bridge for an alias a bridge imposes.
 *
 * @param requesterId the alias, {@code bus << 8 | devfn}
 * @param carrier the function the alias belongs to
 */
public record PciDmaAlias(int requesterId, PciDev carrier) {
  /**
   * Validates the components.
   *
   * @param requesterId the alias
   * @param carrier the function the alias belongs to
   */
  public PciDmaAlias {
    checkArgument(requesterId >= 0 && requesterId <= 0xffff, "RID out of range: %s", requesterId);
    checkNotNull(carrier);
  }

  /**
   * The alias in hex and its carrier's address, for example {@code PciDmaAlias[0x100 via
   * 0000:00:1e.0]}.
   *
   * @return a description
   */
  @Override
  public String toString() {
    return "PciDmaAlias[" + Hex.of(requesterId) + " via " + carrier.bdf() + "]";
  }
}
