package dev.iommufw.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.primitives.ImmutableIntArray;
import dev.iommufw.core.pci.Bdf;
import dev.iommufw.core.pci.PciDev;
import dev.iommufw.core.pci.PciDmaAlias;
import dev.iommufw.core.pci.PciFunction;
import dev.iommufw.core.pci.PciType;
import org.junit.jupiter.api.Test;

/** Every ID the API prints in {@code toString} is hex, as the kernel and the reports print IDs. */
class HexToStringTest {
  @Test
  void failuresPrintTheirIdsInHex() {
    assertThat(new ProbeResult.Failed(Errno.ERANGE, "too big", ImmutableIntArray.of(0x10, 0xff)))
        .hasToString("Failed[error=ERANGE, reason=too big, ids=[0x10, 0xff]]");
    assertThat(new DmaConfigureResult.Failed(Errno.EINVAL, "bad", ImmutableIntArray.of(0x20)))
        .hasToString("Failed[error=EINVAL, reason=bad, ids=[0x20]]");
  }

  @Test
  void pciValuesPrintAddressesAndAliasesInHex() {
    Bdf bridge = Bdf.parse("0000:00:1e.0");
    PciFunction f = new PciFunction(Bdf.parse("0000:01:01.0"), ImmutableIntArray.of(0x108, 0x100));
    assertThat(f).hasToString("PciFunction[0000:01:01.0, dmaAliases=[0x108, 0x100]]");
    PciDev dev =
        PciDev.builder(bridge, PciType.PCI_BRIDGE)
            .id(0x8086, 0x244e)
            .classCode(0x060401)
            .window(1, 1)
            .build();
    assertThat(dev)
        .hasToString(
            "PciDev[0000:00:1e.0 pci-bridge 8086:244e class=0x60401 parent=null bus=0x1-0x1]");
    assertThat(new PciDmaAlias(0x100, dev)).hasToString("PciDmaAlias[0x100 via 0000:00:1e.0]");
  }
}
