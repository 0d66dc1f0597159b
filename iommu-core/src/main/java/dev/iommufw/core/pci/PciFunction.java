package dev.iommufw.core.pci;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.primitives.ImmutableIntArray;

/**
 * The PCI identity of a device as the firmware glue needs it: the function's address and the
 * requester IDs under which its DMA reaches the IOMMU.
 *
 * <p>The PCI types form a documented pair plus the enumeration view: {@link Bdf} is an address and
 * nothing else; {@code PciFunction} is a {@code Bdf} plus the DMA aliases the glue looks up; {@link
 * PciDev} is what enumeration found at an address (config space), from which {@link
 * PciTopology#pciFunction(PciDev)} derives the {@code PciFunction}.
 *
 * <p>{@code dmaAliases} is the list the kernel's {@code pci_for_each_dma_alias()} would visit, in
 * its order; the first alias is normally the function's own requester ID. The firmware glue does
 * one look-up per alias. Immutable.
 *
 * @param bdf the function's address
 * @param dmaAliases requester IDs ({@code bus << 8 | devfn}, 0–0xffff) in alias-walk order, on the
 *     function's segment; never empty
 */
public record PciFunction(Bdf bdf, ImmutableIntArray dmaAliases) {
  /**
   * Validates the components.
   *
   * @param bdf the function's address
   * @param dmaAliases requester IDs in alias-walk order; never empty
   */
  public PciFunction {
    checkNotNull(bdf);
    checkArgument(!dmaAliases.isEmpty(), "a PCI function has at least one DMA alias: %s", bdf);
    for (int i = 0; i < dmaAliases.length(); i++) {
      int alias = dmaAliases.get(i);
      checkArgument(alias >= 0 && alias <= 0xffff, "DMA alias of %s out of range: %s", bdf, alias);
    }
    dmaAliases = dmaAliases.trimmed();
  }

  /**
   * A function whose only DMA alias is its own requester ID (the usual case on a root bus or below
   * PCIe ports only), for example {@code PciFunction.of(Bdf.parse("0000:00:02.0"))}.
   *
   * @param bdf the function's address
   * @return the function
   */
  public static PciFunction of(Bdf bdf) {
    return new PciFunction(bdf, ImmutableIntArray.of(bdf.requesterId()));
  }

  /**
   * The PCI segment (domain), {@code bdf().segment()}.
   *
   * @return 0–0xffff
   */
  public int segment() {
    return bdf.segment();
  }

  /**
   * The function's own requester ID, {@code bdf().requesterId()}.
   *
   * @return {@code bus << 8 | devfn}
   */
  public int requesterId() {
    return bdf.requesterId();
  }

  /**
   * The bus number, {@code bdf().bus()}.
   *
   * @return the bus
   */
  public int bus() {
    return bdf.bus();
  }

  /**
   * The device-and-function byte, {@code bdf().devfn()}.
   *
   * @return devfn
   */
  public int devfn() {
    return bdf.devfn();
  }

  /**
   * The address in Linux form and the aliases in hex, for example {@code PciFunction[0000:01:01.0,
   * dmaAliases=[0x108, 0x100]]}.
   *
   * @return a description
   */
  @Override
  public String toString() {
    return "PciFunction[" + bdf + ", dmaAliases=" + Hex.ids(dmaAliases) + "]";
  }
}
