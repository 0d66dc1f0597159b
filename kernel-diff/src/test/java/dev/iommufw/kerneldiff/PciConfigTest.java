package dev.iommufw.kerneldiff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class PciConfigTest {
  private static final ConsoleLog LOG = parse();

  private static ConsoleLog parse() {
    try {
      return ConsoleLog.parse(Resources.text("logs/linux-6.18-dt-smmuv3.console.log"));
    } catch (ObservationException e) {
      throw new AssertionError(e);
    }
  }

  private static PciConfig config(String bdf) {
    List<String> pci = LOG.section("pci");
    for (int i = 0; i < pci.size(); i++) {
      if (pci.get(i).startsWith("dev " + bdf + " ")) {
        return PciConfig.parse(pci.get(i + 1).substring("config ".length()).trim());
      }
    }
    throw new AssertionError("no " + bdf);
  }

  @Test
  void aRootPortWithAcsEnabledByTheKernel() {
    PciConfig rp = config("0000:00:03.0");

    assertThat(rp.type()).isEqualTo("root-port");
    assertThat(rp.pcie()).isTrue();
    assertThat(rp.acsEnabled()).isTrue();
    assertThat(rp.secondary()).isEqualTo(1);
    assertThat(rp.subordinate()).isEqualTo(1);
    assertThat(rp.vendor()).isEqualTo(0x1b36);
    assertThat(rp.device()).isEqualTo(0x000c);
  }

  @Test
  void aPcieToPciBridgeAndAConventionalEndpointBehindIt() {
    PciConfig br = config("0000:02:00.0");
    PciConfig nic = config("0000:03:01.0");

    assertThat(br.type()).isEqualTo("pcie-to-pci-bridge");
    assertThat(br.isBridge()).isTrue();
    assertThat(br.secondary()).isEqualTo(3);
    assertThat(nic.type()).isEqualTo("endpoint");
    assertThat(nic.pcie()).isFalse();
    assertThat(nic.acsEnabled()).isFalse();
    assertThat(nic.classCode()).isEqualTo(0x020000);
  }

  @Test
  void theHostBridgeFunction() {
    PciConfig host = config("0000:00:00.0");

    assertThat(host.type()).isEqualTo("host-bridge");
    assertThat(host.multifunctionBit()).isFalse();
  }

  @Test
  void aDumpShorterThanTheHeaderIsRejected() {
    assertThatThrownBy(() -> PciConfig.parse("3618"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 128");
  }
}
