package dev.iommufw.machine;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import dev.iommufw.core.pci.Bdf;
import dev.iommufw.core.pci.PciDev;
import dev.iommufw.core.pci.PciType;
import dev.iommufw.machine.MachineDescription.FirmwareKind;
import dev.iommufw.machine.MachineDescription.Hardware;
import dev.iommufw.machine.MachineDescription.PciEntry;
import dev.iommufw.machine.MachineDescription.PciHost;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Generated machines over the real QEMU firmware of the corpus: an ACPI SMMUv3 boot, a DT SMMUv3
 * boot and a DT virtio-iommu boot, each with a random PCI topology (every bridge type, nested),
 * random drivers, hardware limits and bind order.
 */
final class RandomMachines {
  /** A description with the bytes of its firmware files. */
  record Generated(MachineDescription description, Map<String, byte[]> files) {
    Machine machine() throws MachineException {
      return Machine.of(description, files);
    }
  }

  private static final Map<String, byte[]> FIRMWARE = new HashMap<>();

  private RandomMachines() {}

  static synchronized byte[] firmware(String folder, String file) {
    return FIRMWARE.computeIfAbsent(
        folder + "/" + file,
        k -> {
          try {
            return Files.readAllBytes(
                dev.iommufw.testkit.CorpusMachines.dir().resolve(folder).resolve(file));
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
  }

  static Generated generate(long seed) {
    Random r = new Random(seed);
    int variant = r.nextInt(3);
    boolean acpi = variant == 0;
    boolean viommu = variant == 2;
    List<PciHost> hosts = new ArrayList<>();
    hosts.add(new PciHost(0, 0, acpi ? null : "/pcie@10000000"));
    List<PciEntry> pci = new ArrayList<>();
    Set<Integer> used = new HashSet<>();
    used.add(0); // 00:00.0 is QEMU's host bridge function
    pci.add(
        new PciEntry(
            PciDev.builder(new Bdf(0, 0, 0), PciType.HOST_BRIDGE)
                .id(0x1b36, 0x0008)
                .classCode(0x060000)
                .build(),
            null,
            null));
    if (viommu) {
      used.add(8);
      pci.add(
          new PciEntry(
              PciDev.builder(new Bdf(0, 0, 8), PciType.ENDPOINT)
                  .id(0x1af4, 0x1057)
                  .classCode(0xff00)
                  .build(),
              "virtio-pci",
              null));
    }
    List<Integer> buses = new ArrayList<>(List.of(0));
    Map<Integer, Bdf> bridgeOfBus = new HashMap<>();
    List<PciDev.Builder> made = new ArrayList<>();
    List<String> drivers = new ArrayList<>();
    List<String> failed = new ArrayList<>();
    int nextBus = 1;
    PciType[] types = PciType.values();
    int n = 1 + r.nextInt(14);
    for (int i = 0; i < n; i++) {
      int bus = buses.get(r.nextInt(buses.size()));
      int devfn = (1 + r.nextInt(6)) << 3 | (r.nextInt(3) == 0 ? r.nextInt(3) : 0);
      if (!used.add(bus << 8 | devfn)) {
        continue;
      }
      PciType type = types[r.nextInt(types.length)];
      if (type == PciType.HOST_BRIDGE || (type.isBridge() && nextBus > 0x7e)) {
        type = PciType.ENDPOINT;
      }
      Bdf at = new Bdf(0, bus, devfn);
      boolean pcie =
          switch (type) {
            case ROOT_PORT, UPSTREAM_PORT, DOWNSTREAM_PORT, PCIE_TO_PCI_BRIDGE -> true;
            case PCI_TO_PCIE_BRIDGE, PCI_BRIDGE -> false;
            default -> r.nextBoolean();
          };
      PciDev.Builder b =
          PciDev.builder(at, type)
              .id(r.nextInt(4) == 0 ? 0x1b21 : 0x1af4, r.nextInt(4) == 0 ? 0x1080 : 0x1000)
              .pcie(pcie)
              .multifunction((devfn & 7) != 0 || r.nextInt(5) == 0)
              .acs(r.nextBoolean())
              .parent(bridgeOfBus.get(bus));
      if (r.nextInt(8) == 0) {
        b.quirkAliasDevfns(r.nextInt(0x40));
      }
      if (type.isBridge()) {
        int sec = nextBus++;
        b.classCode(0x060400).window(sec, sec);
        bridgeOfBus.put(sec, at);
        buses.add(sec);
      } else {
        b.classCode(0x020000);
      }
      made.add(b);
      int roll = r.nextInt(10);
      drivers.add(roll < 7 ? (type.isBridge() ? "pcieport" : "drv") : null);
      failed.add(roll == 9 ? "drv" : null);
    }
    // Each bridge's window reaches the highest bus below it.
    Map<Integer, Integer> sub = new HashMap<>();
    for (int k = buses.size() - 1; k >= 0; k--) {
      int bus = buses.get(k);
      int high = Math.max(sub.getOrDefault(bus, bus), bus);
      sub.put(bus, high);
      Bdf up = bridgeOfBus.get(bus);
      if (up != null) {
        sub.merge(up.bus(), high, Math::max);
      }
    }
    for (int i = 0; i < made.size(); i++) {
      PciDev d = made.get(i).build();
      if (d.type().isBridge()) {
        d =
            d.toBuilder()
                .window(d.secondary(), sub.getOrDefault(d.secondary(), d.secondary()))
                .build();
      }
      pci.add(new PciEntry(d, drivers.get(i), drivers.get(i) == null ? failed.get(i) : null));
    }
    List<String> bindable = new ArrayList<>();
    for (PciEntry e : pci) {
      if (e.dmaConfigured()) {
        bindable.add(e.function().bdf().toString());
      }
    }
    Collections.shuffle(bindable, r);
    List<String> order = bindable.subList(0, r.nextInt(bindable.size() + 1));
    ImmutableMap<String, Hardware> hardware;
    if (viommu) {
      hardware =
          r.nextBoolean()
              ? ImmutableMap.of("0000:00:01.0", new Hardware(Hardware.QEMU_VIRTIO_IOMMU, -1))
              : ImmutableMap.of();
    } else {
      hardware =
          ImmutableMap.of(
              "smmu3.0x0000000009050000",
              new Hardware(Hardware.QEMU_SMMUV3, r.nextBoolean() ? 16 : 9));
    }
    String folder =
        acpi ? "linux-6.12-acpi-smmuv3" : viommu ? "linux-6.12-dt-viommu" : "linux-6.12-dt-smmuv3";
    String file = acpi ? "IORT.bin" : "virt.dtb";
    MachineDescription d =
        new MachineDescription(
            "generated-" + Long.toHexString(seed),
            "6.12",
            acpi ? FirmwareKind.ACPI : FirmwareKind.DT,
            ImmutableList.of(file),
            ImmutableList.of("arm-smmu-v3", "arm-smmu", "virtio-iommu"),
            hardware,
            ImmutableList.copyOf(hosts),
            ImmutableList.copyOf(pci),
            ImmutableList.of(),
            ImmutableList.copyOf(order));
    return new Generated(d, Map.of(file, firmware(folder, file)));
  }
}
