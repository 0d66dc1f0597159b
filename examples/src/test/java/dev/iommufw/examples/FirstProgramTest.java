package dev.iommufw.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iommufw.core.Device;
import dev.iommufw.core.DmaConfigureResult;
import dev.iommufw.core.FwNode;
import dev.iommufw.core.IommuBinding;
import dev.iommufw.core.IommuCore;
import dev.iommufw.core.IommuException;
import dev.iommufw.core.IommuInstance;
import dev.iommufw.core.pci.Bdf;
import dev.iommufw.core.pci.PciFunction;
import dev.iommufw.drivers.ArmSmmuDriver;
import dev.iommufw.drivers.ArmSmmuV3Driver;
import dev.iommufw.drivers.DtIommuDrivers;
import dev.iommufw.drivers.VirtioIommuDriver;
import dev.iommufw.of.Fdt;
import dev.iommufw.of.FdtFormatException;
import dev.iommufw.of.FdtNode;
import dev.iommufw.of.OfIommu;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/**
 * The code of the guide page "Your first program" ({@code first-program.html}): from a device tree
 * blob to every device's IOMMU and IDs, with the reference drivers of the {@code drivers} module.
 * {@link DocSnippetsTest} checks that the page shows exactly the region below.
 */
class FirstProgramTest {

  // spotless:off (shown verbatim in the docs)
  // region first-program
  /**
   * Prints, for every device of a device tree (and the PCI functions that enumeration found
   * below its first PCI host), which IOMMU instance translates its DMA and with which IDs.
   */
  static void printIommus(Path dtb, int[] pciDevfns, PrintStream out)
      throws IOException, FdtFormatException, IommuException {
    Fdt fdt = Fdt.read(dtb);                                   // FdtFormatException if malformed
    OfIommu dt = OfIommu.of(fdt);
    IommuCore core = new IommuCore();

    // 1. An IOMMU instance for every available IOMMU node that a reference driver binds.
    ArmSmmuV3Driver smmuv3 = new ArmSmmuV3Driver();
    ArmSmmuDriver smmu = new ArmSmmuDriver();
    VirtioIommuDriver virtio = new VirtioIommuDriver();
    for (FdtNode node : fdt.nodes()) {
      String driver = DtIommuDrivers.driver(node);            // by compatible; null: none
      if (driver == null || !node.isAvailable()) {
        continue;
      }
      FwNode fwnode = dt.fwNode(node);
      IommuInstance instance = switch (driver) {
        case ArmSmmuV3Driver.NAME -> smmuv3.createPermissiveInstance(node.path(), fwnode);
        case ArmSmmuDriver.NAME -> smmu.createInstance(node.path(), fwnode);
        default -> virtio.createInstance(node.path(), fwnode);
      };
      core.registerInstance(instance);                         // iommu_device_register
    }

    // 2. Every device: the platform devices the tree describes, and the PCI functions.
    List<Device> devices = new ArrayList<>(dt.platformDevices()); // of_platform_populate
    if (!dt.pciHosts().isEmpty()) {
      FdtNode host = dt.pciHosts().get(0);
      for (int devfn : pciDevfns) {
        devices.add(dt.pciDevice(host, PciFunction.of(new Bdf(0, 0, devfn))));
      }
    }

    // 3. Configure each one as its driver would probe it, and print the outcome.
    for (Device dev : devices) {
      core.addDevice(dev);
      DmaConfigureResult result = core.dmaConfigure(dev);     // of_iommu_configure + probe
      if (dev.iommuBinding().isPresent()) {
        IommuBinding binding = dev.iommuBinding().get();
        StringBuilder ids = new StringBuilder();
        for (int id : binding.ids().toArray()) {
          ids.append(ids.length() == 0 ? "" : ",").append("0x").append(Integer.toHexString(id));
        }
        out.println(dev.name() + " -> " + binding.instance().name() + " ids " + ids);
      } else {
        out.println(dev.name() + " -> no IOMMU (" + result + ")");
      }
    }
  }
  // endregion first-program
  // spotless:on

  static Path resource(String name) throws URISyntaxException {
    return Path.of(Objects.requireNonNull(FirstProgramTest.class.getResource(name)).toURI());
  }

  @Test
  void printsEveryDevicesIommuAndIdsFromARealQemuDeviceTree() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      // 00:01.0 and 00:02.0: virtio devices on the root bus; 00:04.0: a root port.
      printIommus(resource("virt-custom-map.dtb"), new int[] {0x08, 0x10, 0x20}, out);
    }
    List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
    System.out.println(String.join("\n", lines));

    // The host's iommu-map sends RIDs 0x0-0xff to the SMMUv3 at 0x4000 + RID.
    assertThat(lines)
        .contains(
            "0000:00:01.0 -> /smmuv3@9050000 ids 0x4008",
            "0000:00:02.0 -> /smmuv3@9050000 ids 0x4010",
            "0000:00:04.0 -> /smmuv3@9050000 ids 0x4020");
    // Three platform devices carry iommus properties; every other device has no IOMMU.
    assertThat(lines)
        .filteredOn(l -> l.startsWith("/") && l.contains(" ids "))
        .containsExactlyInAnyOrder(
            "/pl031@9010000 -> /smmuv3@9050000 ids 0x42",
            "/pl061@9030000 -> /smmuv3@9050000 ids 0x50,0x51",
            "/virtio_mmio@a000000 -> /smmuv3@9050000 ids 0x60");
    assertThat(lines).filteredOn(l -> l.contains("no IOMMU")).isNotEmpty();
  }
}
