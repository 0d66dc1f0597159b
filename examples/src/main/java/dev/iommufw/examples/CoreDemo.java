package dev.iommufw.examples;

import com.google.common.collect.ImmutableList;
import com.google.common.primitives.ImmutableIntArray;
import dev.iommufw.core.BusKind;
import dev.iommufw.core.Device;
import dev.iommufw.core.DmaConfigure;
import dev.iommufw.core.DmaConfigureResult;
import dev.iommufw.core.Errno;
import dev.iommufw.core.FwNode;
import dev.iommufw.core.IommuBinding;
import dev.iommufw.core.IommuCore;
import dev.iommufw.core.IommuException;
import dev.iommufw.core.IommuFwspec;
import dev.iommufw.core.IommuInstance;
import dev.iommufw.core.pci.Bdf;
import dev.iommufw.core.pci.PciFunction;
import dev.iommufw.drivers.ArmSmmuV3Driver;
import dev.iommufw.drivers.VirtioIommuDriver;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A small system built in code: four devices, an SMMUv3 and a virtio-iommu, with the devices'
 * drivers probing <em>before</em> the IOMMUs register. Each device defers, the instances register
 * (virtio-iommu first), the core retries exactly the waiting devices, and every device ends bound
 * as its "firmware" describes. Prints each device's fwspec.
 *
 * <p>Run: {@code java -cp examples/target/iommufw-examples.jar dev.iommufw.examples.CoreDemo}
 */
public final class CoreDemo {
  private CoreDemo() {}

  /** What the firmware says about one device: which IOMMU node and which IDs. */
  private record Described(FwNode iommu, ImmutableIntArray ids) {
    Described(FwNode iommu, int... ids) {
      this(iommu, ImmutableIntArray.copyOf(ids));
    }
  }

  /**
   * A minimal firmware glue: builds the fwspec off the device and hands it to the core — the
   * redesigned {@code of_iommu_configure()} in a dozen lines.
   */
  private static DmaConfigure glue(List<Described> entries) {
    return (core, dev) -> {
      if (entries.isEmpty()) {
        return new DmaConfigureResult.NoIommu("no IOMMU described");
      }
      try (IommuFwspec fwspec = core.allocFwspec()) {
        for (Described entry : entries) {
          core.fwspecAssignIommu(fwspec, dev, entry.iommu());
          fwspec.appendIds(entry.ids().toArray());
        }
        FwNode iommu = entries.get(0).iommu();
        return DmaConfigureResult.fromProbe(core.probeDevice(dev, fwspec), iommu); // hand-off
      } catch (IommuException e) {
        FwNode waitingFor = e.waitingFor();
        if (waitingFor != null) {
          return new DmaConfigureResult.Deferred(waitingFor);
        }
        return e.errno() == Errno.ENODEV
            ? new DmaConfigureResult.NoIommu(String.valueOf(e.getMessage()))
            : new DmaConfigureResult.Failed(
                e.errno(), String.valueOf(e.getMessage()), ImmutableIntArray.of());
      }
    };
  }

  /**
   * Runs the demo.
   *
   * @param out where to print
   * @throws IommuException never, with this fixed system
   */
  public static void run(PrintStream out) throws IommuException {
    IommuCore core = new IommuCore();
    ArmSmmuV3Driver smmuv3 = new ArmSmmuV3Driver();
    VirtioIommuDriver virtio = new VirtioIommuDriver();
    FwNode smmuNode = FwNode.create("/smmuv3@9050000");
    FwNode viommuNode = FwNode.create("/pcie@10000000/virtio_iommu@1,0");

    List<Device> devices = new ArrayList<>();
    devices.add(platform("/soc/dma@1000", new Described(smmuNode, 0x10, 0x11)));
    devices.add(pci(0x10, new Described(viommuNode, 0x10)));
    devices.add(pci(0x18, new Described(viommuNode, 0x18)));
    devices.add(pci(0x20, new Described(smmuNode, 0x20)));
    devices.add(platform("/soc/rtc@2000"));

    out.println("-- device drivers probe first: configuration defers, nothing is left behind");
    for (Device dev : devices) {
      core.addDevice(dev);
      out.printf(Locale.ROOT, "%-16s %s%n", dev.name(), core.dmaConfigure(dev));
    }
    out.println("-- virtio-iommu registers, then the SMMUv3: waiting devices are retried");
    core.registerInstance(virtio.createInstance("0000:00:01.0", viommuNode));
    core.registerInstance(smmuv3.createInstance("smmu3.0x0000000009050000", smmuNode, 16));
    out.println("-- end state");
    for (Device dev : devices) {
      out.printf(Locale.ROOT, "%-16s %s%n", dev.name(), describe(dev));
    }
    out.printf(
        Locale.ROOT,
        "fwspecs allocated %d, freed %d, installed %d%n",
        core.fwspecsAllocated(),
        core.fwspecsFreed(),
        core.fwspecsAllocated() - core.fwspecsFreed());
  }

  private static String describe(Device dev) {
    if (dev.iommuBinding().isEmpty()) {
      return "no IOMMU";
    }
    IommuBinding b = dev.iommuBinding().orElseThrow();
    StringBuilder ids = new StringBuilder();
    for (int i = 0; i < b.ids().length(); i++) {
      ids.append(i == 0 ? "" : ",").append("0x").append(Integer.toHexString(b.ids().get(i)));
    }
    IommuInstance instance = b.instance();
    return String.format(
        Locale.ROOT,
        "-> %s %s ids=[%s] flags=0x%x group=%d",
        instance.ops().name(),
        instance.name(),
        ids,
        b.flags(),
        b.group().id());
  }

  private static Device platform(String path, Described... entries) {
    return Device.builder(path, BusKind.PLATFORM)
        .fwNode(FwNode.create(path))
        .dmaConfigureStep(glue(ImmutableList.copyOf(entries)))
        .build();
  }

  private static Device pci(int rid, Described entry) {
    String name =
        String.format(Locale.ROOT, "0000:%02x:%02x.%d", rid >> 8, (rid >> 3) & 0x1f, rid & 7);
    return Device.builder(name, BusKind.PCI)
        .pci(PciFunction.of(new Bdf(0, rid >> 8, rid & 0xff)))
        .dmaConfigureStep(glue(ImmutableList.of(entry)))
        .build();
  }

  /**
   * Entry point.
   *
   * @param args ignored
   * @throws IommuException never, with this fixed system
   */
  public static void main(String[] args) throws IommuException {
    run(System.out);
  }
}
