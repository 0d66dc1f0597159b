package dev.iommufw.drivers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iommufw.acpi.AcpiIommu;
import dev.iommufw.acpi.Iort;
import dev.iommufw.acpi.Viot;
import dev.iommufw.core.IommuCore;
import dev.iommufw.core.IommuInstance;
import dev.iommufw.of.Fdt;
import dev.iommufw.of.FdtBuilder;
import dev.iommufw.of.OfIommu;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/** One call registers a reference-driver instance for every IOMMU the firmware describes. */
class IommuDriversTest {
  private static byte[] resource(String path) throws IOException {
    try (InputStream in =
        Objects.requireNonNull(
            IommuDriversTest.class.getResourceAsStream("/testdata/" + path), path)) {
      return in.readAllBytes();
    }
  }

  private static IommuDrivers.Registration dt(IommuCore core, String file) throws Exception {
    return IommuDrivers.registerAll(core, OfIommu.of(Fdt.parse(resource("dt/" + file))));
  }

  private static String driverOf(IommuInstance i) {
    return i.ops().name();
  }

  @Test
  void qemuSmmuv3DeviceTreeRegistersOneSmmuv3() throws Exception {
    IommuCore core = new IommuCore();

    IommuDrivers.Registration r = dt(core, "qemu-virt-smmuv3-gicv3.dtb");

    assertThat(r.instances()).hasSize(1);
    IommuInstance smmu = r.instances().get(0);
    assertThat(driverOf(smmu)).isEqualTo(ArmSmmuV3Driver.NAME);
    assertThat(smmu.name()).isEqualTo("/smmuv3@9050000");
    assertThat(smmu.isRegisteredIn(core)).isTrue();
    assertThat(core.instances()).containsExactlyElementsOf(r.instances());
    assertThat(r.unbound()).isEmpty();
  }

  @Test
  void qemuVirtioIommuDeviceTreeRegistersTheVirtioIommuFunction() throws Exception {
    IommuCore core = new IommuCore();

    IommuDrivers.Registration r = dt(core, "qemu-virt-viommu-slot3.dtb");

    assertThat(r.instances())
        .extracting(IommuDriversTest::driverOf)
        .containsExactly(VirtioIommuDriver.NAME);
    assertThat(core.instances()).containsExactlyElementsOf(r.instances());
  }

  @Test
  void qemuDeviceTreeWithoutIommuRegistersNothing() throws Exception {
    IommuCore core = new IommuCore();

    IommuDrivers.Registration r = dt(core, "qemu-virt-noiommu.dtb");

    assertThat(r.instances()).isEmpty();
    assertThat(r.unbound()).isEmpty();
    assertThat(core.instances()).isEmpty();
  }

  @Test
  void unknownAndDisabledIommuNodesAreListedNotRegistered() throws Exception {
    FdtBuilder b = new FdtBuilder();
    FdtBuilder.Node root = b.root();
    root.addChild("smmu@1000")
        .strings("compatible", "arm,mmu-500")
        .cells("#iommu-cells", 1)
        .phandle(1);
    root.addChild("iommu@2000")
        .strings("compatible", "vendor,other")
        .cells("#iommu-cells", 1)
        .phandle(2);
    root.addChild("smmu@3000")
        .strings("compatible", "arm,smmu-v3")
        .cells("#iommu-cells", 1)
        .strings("status", "disabled")
        .phandle(3);
    root.addChild("uart@4000").strings("compatible", "arm,pl011");
    IommuCore core = new IommuCore();

    IommuDrivers.Registration r = IommuDrivers.registerAll(core, OfIommu.of(Fdt.parse(b.build())));

    assertThat(r.instances()).extracting(IommuInstance::name).containsExactly("/smmu@1000");
    assertThat(r.instances())
        .extracting(IommuDriversTest::driverOf)
        .containsExactly(ArmSmmuDriver.NAME);
    assertThat(r.unbound()).containsOnlyKeys("/iommu@2000", "/smmu@3000");
    assertThat(r.unbound().get("/smmu@3000")).isEqualTo("disabled");
    assertThat(r.unbound().get("/iommu@2000")).contains("vendor,other");
  }

  @Test
  void qemuIortRegistersItsSmmuv3() throws Exception {
    IommuCore core = new IommuCore();
    AcpiIommu acpi =
        AcpiIommu.of(Iort.parse(resource("acpi/qemu-smmuv3-defbypass-iort.bin")), null);

    IommuDrivers.Registration r = IommuDrivers.registerAll(core, acpi);

    assertThat(r.instances())
        .extracting(IommuDriversTest::driverOf)
        .containsExactly(ArmSmmuV3Driver.NAME);
    assertThat(r.instances().get(0).name()).isEqualTo("smmu3.0x0000000009050000");
    assertThat(r.instances().get(0).fwNode())
        .isSameAs(
            acpi.iortFwNode(
                Objects.requireNonNull(acpi.iort()).nodes().stream()
                    .filter(n -> n instanceof dev.iommufw.acpi.IortNode.SmmuV3)
                    .findFirst()
                    .orElseThrow()));
    assertThat(core.instances()).containsExactlyElementsOf(r.instances());
  }

  @Test
  void qemuIortWithoutSmmuRegistersNothing() throws Exception {
    IommuCore core = new IommuCore();

    IommuDrivers.Registration r =
        IommuDrivers.registerAll(
            core, AcpiIommu.of(Iort.parse(resource("acpi/qemu-noiommu-iort.bin")), null));

    assertThat(r.instances()).isEmpty();
    assertThat(core.instances()).isEmpty();
  }

  @Test
  void qemuViotRegistersTheVirtioIommuPciFunction() throws Exception {
    IommuCore core = new IommuCore();

    IommuDrivers.Registration r =
        IommuDrivers.registerAll(
            core, AcpiIommu.of(null, Viot.parse(resource("acpi/qemu-viommu-bypass-pxb-viot.bin"))));

    assertThat(r.instances())
        .extracting(IommuDriversTest::driverOf)
        .containsExactly(VirtioIommuDriver.NAME);
    assertThat(r.instances().get(0).name()).isEqualTo("0000:00:08.0");
    assertThat(r.unbound()).isEmpty();
  }

  @Test
  void eachCallMakesItsOwnDrivers() throws Exception {
    IommuDrivers.Registration a = dt(new IommuCore(), "qemu-virt-smmuv3-gicv3.dtb");
    IommuDrivers.Registration b = dt(new IommuCore(), "qemu-virt-smmuv3-gicv3.dtb");

    assertThat(a.instances().get(0).ops()).isNotSameAs(b.instances().get(0).ops());
  }
}
