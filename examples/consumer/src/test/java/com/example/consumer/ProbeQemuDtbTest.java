package com.example.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.iommufw.core.Device;
import dev.iommufw.core.DmaConfigureResult;
import dev.iommufw.core.IommuCore;
import dev.iommufw.core.pci.PciFunction;
import dev.iommufw.of.Fdt;
import dev.iommufw.of.OfIommu;
import dev.iommufw.drivers.ArmSmmuV3Driver;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import dev.iommufw.core.pci.Bdf;

/** A downstream user probes a real QEMU device tree with the published artifacts. */
class ProbeQemuDtbTest {
  /** The shared corpus beside the repository, else the copy the project ships for its tests. */
  static Path qemuDtb() {
    String name = "qemu/qemu-virt-smmuv3-gicv3.dtb";
    Path shared = Path.of("../../../shared/testdata/dt", name);
    return Files.exists(shared) ? shared : Path.of("../../report/src/test/resources/testdata/dt", name);
  }

  @Test
  void pciFunctionIsTranslatedByTheSmmuWithItsRequesterId() throws Exception {
    IommuCore core = new IommuCore();
    OfIommu dt = OfIommu.of(Fdt.read(qemuDtb()));
    ArmSmmuV3Driver smmuv3 = new ArmSmmuV3Driver();
    core.registerInstance(smmuv3.createInstance("smmuv3", dt.fwNode("/smmuv3@9050000"), 16));
    Device nic = dt.pciDevice(dt.pciHosts().get(0), PciFunction.of(Bdf.parse("0000:00:03.0")));
    core.addDevice(nic);

    DmaConfigureResult result = core.dmaConfigure(nic);

    assertInstanceOf(DmaConfigureResult.Configured.class, result);
    assertEquals(0x18, nic.iommuBinding().orElseThrow().ids().get(0));
  }
}
