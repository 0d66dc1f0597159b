package dev.iommufw.core;

import dev.iommufw.core.pci.Bdf;
import dev.iommufw.core.pci.PciDev;
import dev.iommufw.core.pci.PciTopology;
import dev.iommufw.core.pci.PciType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Generates valid PCI topologies from a seed: one or two root buses, bridges of every type nested a
 * few levels, endpoints with random PCIe, multi-function, ACS, quirk devfns and flags.
 */
final class RandomTopologies {
  private RandomTopologies() {}

  static PciTopology generate(long seed, int maxFunctions) {
    Random r = new Random(seed);
    PciTopology.Builder out = PciTopology.builder();
    int[] nextBus = {1};
    List<int[]> buses = new ArrayList<>(); // {bus, parent index or -1}
    List<PciDev.Builder> made = new ArrayList<>();
    Map<Integer, Integer> bridgeOfBus = new HashMap<>();
    Set<Integer> used = new HashSet<>();
    out.rootBus(0, 0);
    buses.add(new int[] {0, -1});
    if (r.nextBoolean()) {
      out.rootBus(0, 0x80);
      buses.add(new int[] {0x80, -1});
    }
    PciType[] types = PciType.values();
    int n = 1 + r.nextInt(maxFunctions);
    for (int i = 0; i < n && nextBus[0] < 0x7f; i++) {
      int[] bus = buses.get(r.nextInt(buses.size()));
      int devfn;
      int tries = 0;
      do {
        devfn = r.nextInt(4) << 3 | (r.nextInt(4) == 0 ? r.nextInt(8) : 0);
      } while (!used.add(bus[0] << 8 | devfn) && ++tries < 20);
      if (tries >= 20) {
        continue;
      }
      PciType type = types[r.nextInt(types.length)];
      Bdf at = new Bdf(0, bus[0], devfn);
      PciDev.Builder b =
          PciDev.builder(at, type)
              .id(r.nextBoolean() ? 0x8086 : 0x1b21, r.nextBoolean() ? 0x1080 : 0x244e);
      Integer parent = bridgeOfBus.get(bus[0]);
      if (parent != null) {
        b.parent(Bdf.ofRequesterId(0, parent));
      }
      boolean pcie =
          switch (type) {
            case ROOT_PORT, UPSTREAM_PORT, DOWNSTREAM_PORT, PCIE_TO_PCI_BRIDGE -> true;
            case PCI_TO_PCIE_BRIDGE, PCI_BRIDGE -> false;
            default -> r.nextBoolean();
          };
      b.pcie(pcie).multifunction((devfn & 7) != 0 || r.nextInt(4) == 0).acs(r.nextBoolean());
      if (r.nextInt(6) == 0) {
        b.quirkAliasDevfns(r.nextInt(256), r.nextInt(256));
      }
      if (type.isBridge()) {
        int sec = nextBus[0]++;
        b.classCode(0x060400).window(sec, sec);
        b.pcieBridgeAlias(type == PciType.PCI_BRIDGE && r.nextBoolean());
        b.translationRoot(r.nextInt(10) == 0);
        bridgeOfBus.put(sec, at.requesterId());
        buses.add(new int[] {sec, made.size()});
      } else {
        b.classCode(0x020000);
      }
      made.add(b);
    }
    // Widen each bridge's window to cover its subtree (subordinate = the highest bus below).
    Map<Integer, Integer> subordinate = new HashMap<>();
    for (int[] bus : buses) {
      subordinate.put(bus[0], bus[0]);
    }
    for (int k = buses.size() - 1; k >= 0; k--) {
      int bus = buses.get(k)[0];
      Integer bridge = bridgeOfBus.get(bus);
      if (bridge != null) {
        int upBus = bridge >>> 8;
        subordinate.merge(upBus, subordinate.getOrDefault(bus, bus), Math::max);
      }
    }
    for (PciDev.Builder b : made) {
      PciDev d = b.build();
      if (d.type().isBridge()) {
        d =
            d.toBuilder()
                .window(d.secondary(), subordinate.getOrDefault(d.secondary(), d.secondary()))
                .build();
      }
      out.add(d);
    }
    return out.build();
  }
}
