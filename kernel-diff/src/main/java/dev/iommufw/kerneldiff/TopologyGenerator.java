package dev.iommufw.kerneldiff;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import dev.iommufw.kerneldiff.Topology.QemuDevice;
import dev.iommufw.testkit.RandomSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Random QEMU topologies, reproducible by seed: root ports, PCIe switches (an {@code
 * x3130-upstream} with {@code xio3130-downstream} ports), PCIe-to-PCI bridges with conventional
 * devices and PCI-PCI bridges behind them, multi-function slots, a second host bridge ({@code
 * pxb-pcie}, with ACPI only), endpoints ({@code virtio-net-pci}, {@code e1000e}, {@code e1000},
 * {@code rtl8139}, {@code virtio-blk-pci}), behind the SMMUv3 or a virtio-iommu, over DT or ACPI,
 * and for DT with the SMMUv3 sometimes an edited {@code iommu-map}. Draws come from a {@link
 * RandomSource}, so the same seed gives the same topologies.
 */
public final class TopologyGenerator {
  /** Which firmware interfaces to draw. */
  public enum Firmware {
    /** Device tree only. */
    DT,
    /** ACPI only. */
    ACPI,
    /** Either, at random. */
    MIXED
  }

  /** The modules every generated topology loads (the shell adds their dependencies). */
  static final ImmutableList<String> MODULES =
      ImmutableList.of("virtio-iommu", "virtio_net", "virtio_blk", "e1000e", "e1000", "8139cp");

  private final RandomSource r;
  private final List<QemuDevice> devices = new ArrayList<>();
  private final List<String> words = new ArrayList<>();
  private int chassis;

  /**
   * The first bus numbers still free for an expander bridge: QEMU refuses to build a machine whose
   * two {@code pxb-pcie} claim the same {@code bus_nr}.
   */
  private final List<Integer> freeExpanderBuses = new ArrayList<>(List.of(0x20, 0x40, 0x80));

  private int ids;
  private boolean noBlk;
  private boolean blkBehindConventional;

  private TopologyGenerator(RandomSource r) {
    this.r = r;
  }

  /**
   * Topologies number {@code 0 .. count-1} of a seed; topology {@code i} depends only on the seed
   * and {@code i}.
   *
   * @param seed the seed
   * @param count how many
   * @param firmware which firmware interfaces
   * @return the topologies, named {@code s<seed>-<i>-<dt|acpi>-<iommu>}
   */
  public static ImmutableList<Topology> generate(long seed, int count, Firmware firmware) {
    ImmutableList.Builder<Topology> out = ImmutableList.builder();
    for (int i = 0; i < count; i++) {
      RandomSource r = RandomSource.of(new SplittableRandom(seed * 1_000_003L + i));
      out.add(
          new TopologyGenerator(r).one(String.format(Locale.ROOT, "s%d-%03d", seed, i), firmware));
    }
    return out.build();
  }

  /**
   * One topology from a random source.
   *
   * @param r the source
   * @param name the name prefix
   * @param firmware which firmware interfaces
   * @return the topology
   */
  public static Topology generate(RandomSource r, String name, Firmware firmware) {
    return new TopologyGenerator(r).one(name, firmware);
  }

  private Topology one(String prefix, Firmware firmware) {
    boolean acpi = firmware == Firmware.ACPI || (firmware == Firmware.MIXED && r.bool());
    boolean viommu = r.intBetween(0, 3) == 0;
    String iommu = viommu ? "virtio-iommu" : "smmuv3";
    List<Integer> map = new ArrayList<>();
    if (!acpi && !viommu && r.intBetween(0, 3) == 0) {
      // a non-identity iommu-map: RIDs from 0 shifted by an offset; sometimes past 16 bits
      int offset = r.pick(ImmutableList.of(0x100, 0x1000, 0x4000, 0xf000, 0x10000));
      map.add(0);
      map.add(offset);
      map.add(0x10000);
      noBlk = true; // virtio_blk hangs on aborted MSIs with hand-edited stream IDs
      words.add("iommu-map+0x" + Integer.toHexString(offset));
    }
    int slot = 1;
    if (viommu) {
      devices.add(dev("virtio-iommu-pci", "bus", "pcie.0", "addr", hex(slot++)));
    }
    int items = r.intBetween(1, 5);
    for (int i = 0; i < items && slot < 0x1c; i++) {
      int kind = r.intBetween(0, 9);
      String addr = hex(slot++);
      if (kind <= 1) {
        endpoint("pcie.0", addr, Bus.ROOT);
      } else if (kind <= 5) {
        rootPort("pcie.0", addr);
      } else if (kind == 6) {
        multifunction("pcie.0", slot - 1);
      } else if (kind == 7) {
        String id = id("pb");
        devices.add(
            dev(
                "pci-bridge",
                "id",
                id,
                "bus",
                "pcie.0",
                "addr",
                addr,
                "chassis_nr",
                Integer.toString(++chassis)));
        words.add("pci-bridge");
        conventional(id, 1 + r.intBetween(0, 1));
      } else if (kind == 8) {
        if (freeExpanderBuses.isEmpty()) {
          endpoint("pcie.0", addr, Bus.ROOT);
          continue;
        }
        // Drawn before the firmware is looked at, so that a DT topology's later draws stay the
        // seed's; only an expander actually placed takes its bus number off the list.
        int pick = r.intBetween(0, freeExpanderBuses.size() - 1);
        if (!acpi) {
          // Only ACPI describes an expander's host bridge: a DT guest never numbers the buses
          // behind it, so QEMU's virtio-iommu sees two buses numbered 0 (the root bus and the
          // root port behind the expander) and answers the probe of a root-bus function with
          // NOENT or not depending on a hash table's order (seen on 6.12, 6.18 and 7.3). Neither
          // the kernel nor the library decides that machine; a root port stands in.
          rootPort("pcie.0", addr);
          continue;
        }
        int busNr = freeExpanderBuses.remove(pick);
        String id = id("pxb");
        devices.add(dev("pxb-pcie", "id", id, "bus_nr", hex(busNr), "bus", "pcie.0", "addr", addr));
        words.add("pxb-pcie");
        rootPort(id, "0x0");
      } else {
        String id = id("rp");
        devices.add(
            dev(
                "pcie-root-port",
                "id",
                id,
                "bus",
                "pcie.0",
                "addr",
                addr + ".0",
                "multifunction",
                "on",
                "chassis",
                Integer.toString(++chassis)));
        pcieSubtree(id);
        String id2 = id("rp");
        devices.add(
            dev(
                "pcie-root-port",
                "id",
                id2,
                "bus",
                "pcie.0",
                "addr",
                addr + ".1",
                "chassis",
                Integer.toString(++chassis)));
        words.add("mf-root-ports");
        pcieSubtree(id2);
      }
    }
    String name = prefix + "-" + (acpi ? "acpi" : "dt") + "-" + (viommu ? "viommu" : "smmuv3");
    String description = name + ": " + String.join(" ", words);
    // virtio_blk hangs the guest in its partition scan when QEMU's SMMU faults its DMA, as it
    // does for a virtio-blk function behind a conventional bridge: leave its driver out then
    ImmutableList<String> modules =
        blkBehindConventional
            ? MODULES.stream()
                .filter(m -> !m.equals("virtio_blk"))
                .collect(ImmutableList.toImmutableList())
            : MODULES;
    return new Topology(
        name,
        acpi,
        iommu,
        ImmutableList.copyOf(devices),
        modules,
        ImmutableList.copyOf(map),
        description);
  }

  private enum Bus {
    ROOT,
    PCIE_PORT,
    CONVENTIONAL
  }

  private void rootPort(String bus, String addr) {
    String id = id("rp");
    devices.add(
        dev(
            "pcie-root-port",
            "id",
            id,
            "bus",
            bus,
            "addr",
            addr,
            "chassis",
            Integer.toString(++chassis)));
    words.add("root-port");
    pcieSubtree(id);
  }

  private void pcieSubtree(String port) {
    int kind = r.intBetween(0, 5);
    if (kind <= 1) {
      endpoint(port, "0x0", Bus.PCIE_PORT);
    } else if (kind == 2) {
      String up = id("up");
      devices.add(dev("x3130-upstream", "id", up, "bus", port));
      words.add("switch");
      int downs = r.intBetween(1, 3);
      for (int i = 0; i < downs; i++) {
        String dn = id("dp");
        devices.add(
            dev(
                "xio3130-downstream",
                "id",
                dn,
                "bus",
                up,
                "addr",
                hex(i),
                "chassis",
                Integer.toString(++chassis),
                "slot",
                Integer.toString(i)));
        if (r.intBetween(0, 3) > 0) {
          endpoint(dn, "0x0", Bus.PCIE_PORT);
        }
      }
    } else if (kind == 3) {
      String pb = id("pcipb");
      devices.add(dev("pcie-pci-bridge", "id", pb, "bus", port));
      words.add("pcie-pci-bridge");
      conventional(pb, r.intBetween(1, 3));
      if (r.intBetween(0, 2) == 0) {
        String br = id("br");
        devices.add(
            dev(
                "pci-bridge",
                "id",
                br,
                "bus",
                pb,
                "addr",
                hex(0x10),
                "chassis_nr",
                Integer.toString(++chassis)));
        words.add("pci-bridge");
        conventional(br, 1);
      }
    } else if (kind == 4) {
      // an empty port
      words.add("empty");
    } else {
      multifunction(port, 0);
    }
  }

  private void conventional(String bus, int n) {
    for (int i = 0; i < n; i++) {
      endpoint(bus, hex(1 + i), Bus.CONVENTIONAL);
    }
  }

  private void multifunction(String bus, int slot) {
    int fns = r.intBetween(2, 3);
    words.add("mf" + fns);
    for (int f = 0; f < fns; f++) {
      String kind = r.pick(ImmutableList.of("e1000e", "virtio-net-pci", "e1000"));
      List<String> p = new ArrayList<>(List.of("bus", bus, "addr", hex(slot) + "." + f));
      if (f == 0) {
        p.add("multifunction");
        p.add("on");
      }
      p.add("romfile");
      p.add("");
      devices.add(dev(kind, p.toArray(new String[0])));
    }
  }

  private void endpoint(String bus, String addr, Bus where) {
    List<String> kinds = new ArrayList<>();
    kinds.add("virtio-net-pci");
    if (where == Bus.CONVENTIONAL) {
      kinds.add("e1000");
      kinds.add("rtl8139");
    } else {
      kinds.add("e1000e");
    }
    if (where == Bus.ROOT) {
      kinds.add("e1000");
    }
    if (!noBlk) {
      kinds.add("virtio-blk-pci");
    }
    String kind = r.pick(kinds);
    words.add(kind);
    if (kind.equals("virtio-blk-pci")) {
      blkBehindConventional |= where == Bus.CONVENTIONAL;
      String node = id("nb");
      devices.add(blockdev("null-co", "node-name", node));
      devices.add(dev(kind, "drive", node, "bus", bus, "addr", addr));
    } else {
      devices.add(dev(kind, "bus", bus, "addr", addr, "romfile", ""));
    }
  }

  private String id(String prefix) {
    ids++;
    return prefix + ids;
  }

  private static String hex(int v) {
    return "0x" + Integer.toHexString(v);
  }

  private static QemuDevice dev(String driver, String... kv) {
    return new QemuDevice("-device", driver, props(kv));
  }

  private static QemuDevice blockdev(String driver, String... kv) {
    return new QemuDevice("-blockdev", driver, props(kv));
  }

  private static ImmutableMap<String, String> props(String... kv) {
    ImmutableMap.Builder<String, String> b = ImmutableMap.builder();
    for (int i = 0; i + 1 < kv.length; i += 2) {
      b.put(kv[i], kv[i + 1]);
    }
    return b.buildOrThrow();
  }
}
