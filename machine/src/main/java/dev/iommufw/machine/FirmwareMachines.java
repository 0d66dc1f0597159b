package dev.iommufw.machine;

import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableMap;
import dev.iommufw.acpi.AcpiTableException;
import dev.iommufw.acpi.Iort;
import dev.iommufw.acpi.IortNode;
import dev.iommufw.acpi.Viot;
import dev.iommufw.acpi.ViotNode;
import dev.iommufw.of.Fdt;
import dev.iommufw.of.FdtFormatException;
import dev.iommufw.of.FdtNode;
import dev.iommufw.of.FdtProperty;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A machine derived from one firmware file, for files that come without a {@code machine.json} (the
 * DT and ACPI corpus). The derivation, chosen so that every IOMMU reference in the file is
 * exercised and nothing is invented beyond what a boot needs:
 *
 * <ul>
 *   <li>the kernel has every IOMMU driver ({@code arm-smmu-v3}, {@code arm-smmu}, {@code
 *       virtio-iommu}); no {@code iommu_hardware} models, so instances accept every fwspec;
 *   <li><b>DT</b>: every node with an {@code iommus} property is a platform device whose driver
 *       binds; every PCI host bridge (a {@code device_type = "pci"} node whose parent is not one)
 *       is a host on segment {@code linux,pci-domain} (else the next unused segment) with root bus
 *       {@code bus-range[0]} (else 0), carrying two single-function PCIe endpoints with drivers at
 *       devices 1 and 2 of its root bus;
 *   <li><b>IORT</b>: every root complex is a host on its segment, root bus 0, with the same two
 *       endpoints (named components need ACPI namespace devices, which a lone table lacks);
 *   <li><b>VIOT</b>: for every PCI range, endpoints at its first and last BDF, and the function
 *       carrying each virtio-iommu-pci, each on a host whose root bus is the function's bus.
 * </ul>
 *
 * Malformed firmware fails exactly as {@link Machine#of} fails on it.
 */
public final class FirmwareMachines {
  private FirmwareMachines() {}

  /**
   * A DT machine from a DTB.
   *
   * @param dtb the blob
   * @return the machine
   * @throws MachineException for a malformed blob
   */
  public static Machine fromDtb(byte[] dtb) throws MachineException {
    checkNotNull(dtb);
    List<String> platform = new ArrayList<>();
    List<String> hosts = new ArrayList<>();
    TreeMap<String, String> pci = new TreeMap<>();
    try {
      Fdt fdt = Fdt.parse(dtb);
      java.util.Set<Integer> segments = new java.util.HashSet<>();
      List<FdtNode> hostNodes = new ArrayList<>();
      for (FdtNode n : fdt.nodes()) {
        if (n.hasProperty("iommus") && n.depth() > 0) {
          platform.add(n.path());
        }
        FdtNode parent = n.parent();
        if (isPci(n) && (parent == null || !isPci(parent))) {
          hostNodes.add(n);
          n.u32("linux,pci-domain").ifPresent(segments::add);
        }
      }
      int nextSegment = 0;
      java.util.Set<String> roots = new java.util.HashSet<>();
      for (FdtNode h : hostNodes) {
        int segment;
        if (h.u32("linux,pci-domain").isPresent()) {
          segment = h.u32("linux,pci-domain").getAsInt() & 0xffff;
        } else {
          while (segments.contains(nextSegment)) {
            nextSegment++;
          }
          segment = nextSegment;
          segments.add(segment);
        }
        FdtProperty range = h.property("bus-range");
        int bus = range != null && range.cellCount() >= 1 ? range.cell(0) & 0xff : 0;
        if (!roots.add(segment + ":" + bus)) {
          continue;
        }
        hosts.add(host(segment, bus, "\"" + h.path() + "\""));
        endpoints(pci, segment, bus);
      }
    } catch (FdtFormatException | RuntimeException e) {
      // Let the loader reject it with its own error.
      platform.clear();
      hosts.clear();
      pci.clear();
    }
    return load("dt", "firmware.dtb", dtb, hosts, pci, platform);
  }

  /**
   * An ACPI machine from one table, an IORT or a VIOT (by signature).
   *
   * @param table the table
   * @return the machine
   * @throws MachineException for a malformed table
   */
  public static Machine fromAcpiTable(byte[] table) throws MachineException {
    checkNotNull(table);
    List<String> hosts = new ArrayList<>();
    TreeMap<String, String> pci = new TreeMap<>();
    java.util.Set<String> roots = new java.util.LinkedHashSet<>();
    String signature =
        table.length >= 4 ? new String(table, 0, 4, StandardCharsets.ISO_8859_1) : "";
    String file = signature.equals("VIOT") ? "VIOT.bin" : "IORT.bin";
    try {
      if (signature.equals("VIOT")) {
        Viot viot = Viot.parse(table);
        for (ViotNode n : viot.nodes()) {
          if (n instanceof ViotNode.PciRange r && r.segmentStart() <= r.segmentEnd()) {
            int seg = r.segmentStart() & 0xffff;
            function(pci, roots, seg, r.bdfStart());
            function(pci, roots, seg, r.bdfEnd());
          } else if (n instanceof ViotNode.VirtioPciIommu v) {
            function(pci, roots, v.segment() & 0xffff, v.bdf());
          }
        }
      } else {
        Iort iort = Iort.parse(table);
        for (IortNode n : iort.nodes()) {
          if (n instanceof IortNode.RootComplex rc && rc.segment() <= 0xffff) {
            int seg = (int) rc.segment();
            if (roots.add(seg + ":0")) {
              endpoints(pci, seg, 0);
            }
          }
        }
      }
    } catch (AcpiTableException | RuntimeException e) {
      roots.clear();
      pci.clear();
    }
    for (String root : roots) {
      int colon = root.indexOf(':');
      hosts.add(
          host(
              Integer.parseInt(root.substring(0, colon)),
              Integer.parseInt(root.substring(colon + 1)),
              "null"));
    }
    return load("acpi", file, table, hosts, pci, List.of());
  }

  private static boolean isPci(FdtNode n) {
    FdtProperty t = n.property("device_type");
    return t != null && "pci".equals(t.firstString());
  }

  private static void endpoints(Map<String, String> pci, int segment, int bus) {
    for (int dev = 1; dev <= 2; dev++) {
      String bdf = String.format(Locale.ROOT, "%04x:%02x:%02x.0", segment, bus, dev);
      pci.put(bdf, entry(bdf));
    }
  }

  private static void function(
      Map<String, String> pci, java.util.Set<String> roots, int segment, int bdf) {
    int bus = (bdf >> 8) & 0xff;
    roots.add(segment + ":" + bus);
    String name =
        String.format(Locale.ROOT, "%04x:%02x:%02x.%x", segment, bus, (bdf >> 3) & 0x1f, bdf & 7);
    pci.put(name, entry(name));
  }

  private static String entry(String bdf) {
    return "{\"bdf\":\""
        + bdf
        + "\",\"id\":\"1af4:1041\",\"class\":\"0x20000\","
        + "\"type\":\"endpoint\",\"pcie\":true,\"multifunction\":false,\"acs\":false,"
        + "\"parent\":null,\"driver\":\"virtio-pci\"}";
  }

  private static String host(int segment, int bus, String node) {
    return "{\"segment\":\"0x"
        + Integer.toHexString(segment)
        + "\",\"root_bus\":\"0x"
        + Integer.toHexString(bus)
        + "\",\"node\":"
        + node
        + "}";
  }

  private static Machine load(
      String kind,
      String file,
      byte[] bytes,
      List<String> hosts,
      Map<String, String> pci,
      List<String> platform)
      throws MachineException {
    StringBuilder j = new StringBuilder();
    j.append("{\"format\":\"iommufw-machine/1\",\"name\":\"")
        .append(file)
        .append("\",\"kernel\":\"6.12\",\"firmware\":{\"kind\":\"")
        .append(kind)
        .append("\",\"files\":[\"")
        .append(file)
        .append("\"]},")
        .append("\"iommu_drivers\":[\"arm-smmu-v3\",\"arm-smmu\",\"virtio-iommu\"],")
        .append("\"pci_hosts\":[")
        .append(String.join(",", hosts))
        .append("],\"pci\":[")
        .append(String.join(",", pci.values()))
        .append("],\"platform\":[");
    for (int i = 0; i < platform.size(); i++) {
      j.append(i == 0 ? "" : ",")
          .append("{\"node\":\"")
          .append(jsonEscape(platform.get(i)))
          .append("\",\"driver\":\"test-driver\"}");
    }
    j.append("],\"bind_order\":[]}");
    return Machine.of(
        MachineJson.parse(j.toString().getBytes(StandardCharsets.UTF_8)),
        ImmutableMap.of(file, bytes));
  }

  private static String jsonEscape(String s) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20 || c > 0x7e) {
        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
