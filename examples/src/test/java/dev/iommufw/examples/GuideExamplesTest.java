package dev.iommufw.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.primitives.ImmutableIntArray;
import dev.iommufw.acpi.AcpiIommu;
import dev.iommufw.acpi.Iort;
import dev.iommufw.acpi.IortBuilder;
import dev.iommufw.acpi.IortNode;
import dev.iommufw.core.BusKind;
import dev.iommufw.core.Device;
import dev.iommufw.core.DmaConfigureResult;
import dev.iommufw.core.Errno;
import dev.iommufw.core.FwNode;
import dev.iommufw.core.IommuCore;
import dev.iommufw.core.IommuException;
import dev.iommufw.core.IommuFwspec;
import dev.iommufw.core.IommuInstance;
import dev.iommufw.core.IommuOps;
import dev.iommufw.core.ProbeContext;
import dev.iommufw.core.pci.Bdf;
import dev.iommufw.core.pci.PciFunction;
import dev.iommufw.drivers.ArmSmmuV3Driver;
import dev.iommufw.of.Fdt;
import dev.iommufw.of.FdtBuilder;
import dev.iommufw.of.OfIommu;
import java.util.IdentityHashMap;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The code examples of the API guide pages ({@code
 * iommu-core/src/main/java/dev/iommufw/core/doc-files}), compiled and run here. {@link
 * DocSnippetsTest} checks that each page shows exactly the region of this file it names, so the
 * documentation cannot drift from code that works.
 */
class GuideExamplesTest {

  // spotless:off (shown verbatim in the docs)
  // region driver
  /** A driver whose IOMMU takes one specifier cell as one ID and accepts any ID. */
  static final class MyIommuDriver implements IommuOps, IommuOps.OfXlateFwspec {
    private final IdentityHashMap<FwNode, IommuInstance> instances = new IdentityHashMap<>();

    IommuInstance newInstance(String name, FwNode node) {
      IommuInstance instance = new IommuInstance(name, node, this);
      instances.put(node, instance);
      return instance; // register it with core.registerInstance(instance)
    }

    @Override
    public String name() {
      return "my-iommu";
    }

    // Runs without any lock: only ever touches the fwspec the glue is building.
    @Override
    public void ofXlateFwspec(
        IommuFwspec fwspec, Device dev, FwNode iommuNode, ImmutableIntArray args)
        throws IommuException {
      if (args.isEmpty()) {
        throw new IommuException(Errno.EINVAL, "no specifier cells");
      }
      fwspec.appendIds(args.get(0));
    }

    // Runs under the core's probe lock, with the fwspec already installed in the device;
    // ctx is the driver's whole view of the device, good until this method returns.
    @Override
    public IommuInstance probeDevice(ProbeContext ctx) throws IommuException {
      IommuFwspec fwspec = ctx.fwspec();
      if (fwspec == null || fwspec.ops() != this) {
        throw new IommuException(Errno.ENODEV, "not mine"); // normal: another driver's device
      }
      IommuInstance instance = instances.get(fwspec.iommuFwNode());
      if (instance == null || !ctx.isRegistered(instance)) {
        throw new IommuException(Errno.ENODEV, "unknown instance");
      }
      ctx.setPriv(fwspec.ids()); // per-device state, dropped when the device is released
      return instance;
    }
  }
  // endregion driver
  // spotless:on

  @Test
  void driverBindsADeviceTreeClient() throws Exception {
    FdtBuilder tree = new FdtBuilder();
    tree.root()
        .addChild("iommu@1000")
        .strings("compatible", "vendor,my-iommu")
        .cells("#iommu-cells", 1)
        .phandle(1);
    tree.root().addChild("dma@2000").strings("compatible", "vendor,dma").cells("iommus", 1, 7);
    byte[] blob = tree.build();

    // spotless:off (shown verbatim in the docs)
    // region dtb
    IommuCore core = new IommuCore();
    OfIommu dt = OfIommu.of(Fdt.parse(blob));               // or Fdt.read(path)
    MyIommuDriver driver = new MyIommuDriver();
    core.registerInstance(driver.newInstance("iommu0", dt.fwNode("/iommu@1000")));
    for (Device dev : dt.platformDevices()) {               // of_platform_populate
      core.addDevice(dev);
      DmaConfigureResult result = core.dmaConfigure(dev);   // of_iommu_configure + probe
      System.out.println(dev.name() + " -> " + result);
    }
    // endregion dtb
    // spotless:on

    Device dma =
        core.devices().stream().filter(d -> d.name().equals("/dma@2000")).findFirst().orElseThrow();
    assertThat(dma.iommuBinding().orElseThrow().ids().asList()).containsExactly(7);
  }

  @Test
  void iortPciFunctionGetsItsStreamId() throws Exception {
    IortBuilder builder = new IortBuilder();
    int its = builder.addItsGroup(0, List.of(0L));
    int smmu =
        builder.addSmmuV3(
            0,
            0x9050000L,
            0,
            new long[] {1, 1, 1, 1},
            0,
            List.of(IortBuilder.Mapping.to(0, 0xffff, 0, its)));
    builder.addRootComplex(0, 0, 0, List.of(IortBuilder.Mapping.to(0, 0xffff, 0, smmu)));
    byte[] table = builder.build();

    // spotless:off (shown verbatim in the docs)
    // region acpi
    IommuCore core = new IommuCore();
    Iort iort = Iort.parse(table);                          // typed AcpiTableException if bad
    AcpiIommu acpi = AcpiIommu.of(iort, null);              // no VIOT on this system
    ArmSmmuV3Driver smmuv3 = new ArmSmmuV3Driver();
    for (IortNode node : iort.nodes()) {
      if (node instanceof IortNode.SmmuV3) {
        core.registerInstance(smmuv3.createInstance("smmu3", acpi.iortFwNode(node), 16));
      }
    }
    Device nic = acpi.pciDevice(PciFunction.of(Bdf.parse("0000:00:02.0")));
    core.addDevice(nic);
    DmaConfigureResult result = core.dmaConfigure(nic);     // acpi_iommu_configure_id + probe
    // endregion acpi
    // spotless:on

    assertThat(result).isInstanceOf(DmaConfigureResult.Configured.class);
    assertThat(nic.iommuBinding().orElseThrow().ids().asList()).containsExactly(0x10);
  }

  @Test
  void ownershipRules() throws Exception {
    IommuCore core = new IommuCore();
    MyIommuDriver driver = new MyIommuDriver();
    FwNode iommuNode = FwNode.create("/iommu@1000");
    core.registerInstance(driver.newInstance("iommu0", iommuNode));
    Device dev =
        Device.builder("0000:00:02.0", BusKind.PCI)
            .pci(new PciFunction(Bdf.ofRequesterId(0, 0x10), ImmutableIntArray.of(0x10)))
            .build();
    core.addDevice(dev);

    // spotless:off (shown verbatim in the docs)
    // region lifecycle
    try (IommuFwspec fwspec = core.allocFwspec()) {          // BUILDING: the glue owns it
      core.fwspecAssignIommu(fwspec, dev, iommuNode);       // may throw EPROBE_DEFER
      fwspec.appendIds(0x10);                               // no lock needed: private
      core.probeDevice(dev, fwspec);                        // hand-off: INSTALLED or FREED
      // fwspec.appendIds(0x11) here would throw IllegalStateException
    }                                                       // close(): frees only if not handed off
    // endregion lifecycle
    // spotless:on

    assertThat(dev.iommuBinding()).isPresent();
    assertThat(core.fwspecsAllocated() - core.fwspecsFreed()).isEqualTo(1);
  }
}
