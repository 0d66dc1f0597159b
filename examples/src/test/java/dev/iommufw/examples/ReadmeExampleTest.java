package dev.iommufw.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iommufw.core.Device;
import dev.iommufw.core.DmaConfigureResult;
import dev.iommufw.core.IommuCore;
import dev.iommufw.core.pci.Bdf;
import dev.iommufw.core.pci.PciFunction;
import dev.iommufw.drivers.ArmSmmuV3Driver;
import dev.iommufw.of.Fdt;
import dev.iommufw.of.OfIommu;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The code example of README.md, compiled and run so that it cannot rot. Keep the block between the
 * markers identical to the README's, except for where the blob is read from.
 */
class ReadmeExampleTest {
  @Test
  void readmeExampleBindsThePciFunctionToTheSmmu() throws Exception {
    // the DT corpus lives with the report tool's conformance tests (one copy, see its NOTICE.md)
    Path virtDtb =
        Path.of("../report/src/test/resources/testdata/dt/qemu/qemu-virt-smmuv3-gicv3.dtb");
    // spotless:off (shown verbatim in the docs)
    // README example begins
    IommuCore core = new IommuCore();                    // one system; no global state
    OfIommu dt = OfIommu.of(Fdt.read(virtDtb));           // the device tree glue
    ArmSmmuV3Driver smmuv3 = new ArmSmmuV3Driver();       // a reference IOMMU driver
    core.registerInstance(smmuv3.createInstance("smmuv3", dt.fwNode("/smmuv3@9050000"), 16));
    Device nic = dt.pciDevice(dt.pciHosts().get(0), PciFunction.of(Bdf.parse("0000:00:02.0")));
    core.addDevice(nic);
    DmaConfigureResult result = core.dmaConfigure(nic);  // fwspec built off-device, handed over
    System.out.println(result); // Configured[binding=IommuBinding[instance=smmuv3, ids=[0x10], flags=0x0, group=IommuGroup[0]]]
    // README example ends
    // spotless:on
    assertThat(result).isInstanceOf(DmaConfigureResult.Configured.class);
    assertThat(nic.iommuBinding().orElseThrow().ids().asList()).containsExactly(0x10);
    assertThat(result)
        .hasToString(
            "Configured[binding=IommuBinding[instance=smmuv3, ids=[0x10], flags=0x0, group=IommuGroup[0]]]");
  }
}
