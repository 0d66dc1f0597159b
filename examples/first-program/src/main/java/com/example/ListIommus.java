package com.example;

import dev.iommufw.core.Device;
import dev.iommufw.core.IommuCore;
import dev.iommufw.core.pci.Bdf;
import dev.iommufw.core.pci.PciFunction;
import dev.iommufw.drivers.IommuDrivers;
import dev.iommufw.of.Fdt;
import dev.iommufw.of.OfIommu;
import java.nio.file.Path;
import java.util.stream.Stream;

public class ListIommus { // usage: ListIommus FILE.dtb [BDF...] (the PCI functions present)
  public static void main(String[] args) throws Exception {
    OfIommu dt = OfIommu.of(Fdt.read(Path.of(args[0])));
    IommuCore core = new IommuCore();
    IommuDrivers.registerAll(core, dt); // a reference-driver instance for every IOMMU node
    Stream<Device> pci = Stream.of(args).skip(1).map(Bdf::parse).map(PciFunction::of)
        .map(function -> dt.pciDevice(dt.pciHosts().get(0), function));
    for (Device dev : Stream.concat(dt.platformDevices().stream(), pci).toList()) {
      core.addDevice(dev);
      System.out.println(dev.name() + " -> " + core.dmaConfigure(dev)); // parse, hand over, probe
    }
  }
}
