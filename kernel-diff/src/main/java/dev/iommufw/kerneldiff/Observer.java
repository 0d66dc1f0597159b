package dev.iommufw.kerneldiff;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import dev.iommufw.kerneldiff.FwspecTrace.End;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Turns one boot's console log into what the kernel decided: the observed machine description
 * ({@code machine.json} with the firmware the kernel read beside it) and the observed machine
 * report ({@code expected.jsonl}).
 *
 * <p>Facts and where they come from: PCI functions, parents, bridges' bus windows, type, PCI
 * Express, multi-function and ACS from each function's configuration space and the sysfs bus tree;
 * drivers from sysfs; IOMMU instance and group from sysfs; fwspec IDs and probe errors from the
 * kprobe trace ({@link FwspecTrace}); drivers whose probe failed from the kernel log.
 */
public final class Observer {
  private static final Pattern PROBE_FAILED_OLD =
      Pattern.compile("\\] (\\S+): probe of (\\S+) failed with error (-?\\d+)");
  private static final Pattern PROBE_FAILED_NEW =
      Pattern.compile("\\] \\S+ (\\S+): probe with driver (\\S+) failed with error (-?\\d+)");
  private static final ImmutableMap<Integer, String> ERRNO =
      ImmutableMap.<Integer, String>builder()
          .put(1, "EPERM")
          .put(2, "ENOENT")
          .put(5, "EIO")
          .put(12, "ENOMEM")
          .put(14, "EFAULT")
          .put(16, "EBUSY")
          .put(17, "EEXIST")
          .put(19, "ENODEV")
          .put(22, "EINVAL")
          .put(28, "ENOSPC")
          .put(34, "ERANGE")
          .put(95, "EOPNOTSUPP")
          .put(110, "ETIMEDOUT")
          .put(517, "EPROBE_DEFER")
          .buildOrThrow();

  private Observer() {}

  /**
   * What one boot showed.
   *
   * @param machine the machine description as ordered JSON values (without {@code iommu_hardware},
   *     which {@link #write} adds from the firmware)
   * @param files the firmware files by the names {@code machine} gives them
   * @param report the report lines, PCI in address order then platform devices in path order
   * @param acpi true for an ACPI boot
   */
  public record Observation(
      ImmutableMap<String, Object> machine,
      ImmutableMap<String, byte[]> files,
      ImmutableList<DeviceResult> report,
      boolean acpi) {}

  /**
   * Reads a console log.
   *
   * @param log the split console log
   * @param kernel the kernel series, {@code MAJOR.MINOR}
   * @param name the machine's name
   * @return the observation
   * @throws ObservationException if a section the observation needs is missing or malformed
   */
  public static Observation observe(ConsoleLog log, String kernel, String name)
      throws ObservationException {
    boolean from615 = KernelVersion.atLeast(kernel, 6, 15);
    byte[] fdt = log.files().get("fdt");
    byte[] iort = log.files().get("IORT");
    byte[] viot = log.files().get("VIOT");
    boolean acpi = iort != null || viot != null;
    if (!acpi && fdt == null) {
      throw new ObservationException("console log: neither a DTB nor an IORT/VIOT was dumped");
    }
    FwspecTrace trace = FwspecTrace.parse(log.section("trace"));

    // --- PCI buses: root buses (with their DT host node) and bridges' secondary buses
    Map<String, String> busBridge = new HashMap<>(); // "0000:03" -> "0000:02:00.0"
    List<Map<String, @Nullable Object>> hosts = new ArrayList<>();
    for (String line : log.section("pci-buses")) {
      String[] w = line.trim().split("\\s+", -1);
      if (w.length < 3) {
        continue;
      }
      if (w[1].equals("root")) {
        String[] sb = w[0].split(":", -1);
        Map<String, @Nullable Object> h = new LinkedHashMap<>();
        h.put("segment", hex(Integer.parseInt(sb[0], 16)));
        h.put("root_bus", hex(Integer.parseInt(sb[1], 16)));
        h.put("node", acpi || w[2].equals("-") ? null : w[2]);
        hosts.add(h);
      } else {
        busBridge.put(w[0], w[2]);
      }
    }
    hosts.sort(
        Comparator.comparing(
                (Map<String, @Nullable Object> h) ->
                    Integer.decode(String.valueOf(h.get("segment"))))
            .thenComparing(h -> Integer.decode(String.valueOf(h.get("root_bus")))));

    // --- PCI functions from sysfs
    Map<String, SysDev> pci = new TreeMap<>();
    List<String> pciLines = log.section("pci");
    for (int i = 0; i < pciLines.size(); i++) {
      String line = pciLines.get(i);
      if (!line.startsWith("dev ")) {
        continue;
      }
      SysDev d = SysDev.parse(line);
      String cfg = i + 1 < pciLines.size() ? pciLines.get(i + 1) : "";
      if (!cfg.startsWith("config ")) {
        throw new ObservationException("console log: no config dump after line: " + line);
      }
      try {
        d.config = PciConfig.parse(cfg.substring("config ".length()).trim());
      } catch (IllegalArgumentException e) {
        throw new ObservationException(
            "console log: config of " + d.name + ": " + e.getMessage(), e);
      }
      pci.put(d.name, d);
    }
    // --- platform devices (DT) whose node has `iommus` and whose driver binds
    Map<String, SysDev> platform = new TreeMap<>(); // by node path
    Map<String, String> platformNode = new HashMap<>(); // kernel name -> node
    for (String line : log.section("platform")) {
      if (!line.startsWith("dev ")) {
        continue;
      }
      SysDev d = SysDev.parse(line);
      String node = d.fields.get("node");
      if (node == null || node.isEmpty()) {
        continue;
      }
      platformNode.put(d.name, node);
      if ("1".equals(d.fields.get("iommus")) && d.driver() != null) {
        platform.put(node, d);
      }
    }
    // --- drivers whose probe failed
    Map<String, String> failed = new HashMap<>();
    for (String line : log.section("dmesg")) {
      Matcher m = PROBE_FAILED_NEW.matcher(line);
      if (m.find()) {
        failed.put(m.group(1), m.group(2));
        continue;
      }
      m = PROBE_FAILED_OLD.matcher(line);
      if (m.find()) {
        failed.put(m.group(2), m.group(1));
      }
    }

    // --- machine.json: pci entries
    List<Map<String, @Nullable Object>> pciJson = new ArrayList<>();
    Set<String> dmaConfigured = new LinkedHashSet<>();
    for (SysDev d : pci.values()) {
      PciConfig c = d.config();
      String bus = d.name.substring(0, 7);
      int fn = Integer.parseInt(d.name.substring(d.name.length() - 1), 16);
      String fn0 = d.name.substring(0, d.name.length() - 1) + "0";
      SysDev f0 = pci.get(fn0);
      boolean mf = fn > 0 || (f0 != null && f0.config().multifunctionBit());
      Map<String, @Nullable Object> e = new LinkedHashMap<>();
      e.put("bdf", d.name);
      e.put("id", String.format("%04x:%04x", c.vendor(), c.device()));
      e.put("class", hex(c.classCode()));
      e.put("type", c.type());
      e.put("pcie", c.pcie());
      e.put("multifunction", mf);
      e.put("acs", c.acsEnabled());
      e.put("parent", busBridge.get(bus));
      if (c.isBridge()) {
        e.put("secondary", hex(c.secondary()));
        e.put("subordinate", hex(c.subordinate()));
      }
      String drv = d.driver();
      e.put("driver", drv);
      String fd = failed.get(d.name);
      if (drv == null && fd != null) {
        e.put("failed_driver", fd);
      }
      pciJson.add(e);
      if (drv != null || fd != null || c.isBridge()) {
        dmaConfigured.add(d.name);
      }
    }
    List<Map<String, @Nullable Object>> platJson = new ArrayList<>();
    for (Map.Entry<String, SysDev> p : platform.entrySet()) {
      Map<String, @Nullable Object> e = new LinkedHashMap<>();
      e.put("node", p.getKey());
      e.put("driver", p.getValue().driver());
      platJson.add(e);
      dmaConfigured.add(p.getKey());
    }
    // bind order: first fwadd per device, then the other DMA-configured devices
    List<String> bind = new ArrayList<>();
    for (String k : trace.addOrder()) {
      String reportName = pci.containsKey(k) ? k : platformNode.get(k);
      if (reportName != null && dmaConfigured.contains(reportName) && !bind.contains(reportName)) {
        bind.add(reportName);
      }
    }
    for (String k : dmaConfigured) {
      if (!bind.contains(k)) {
        bind.add(k);
      }
    }

    Map<String, Object> machine = new LinkedHashMap<>();
    machine.put("format", "iommufw-machine/1");
    machine.put("name", name);
    machine.put("kernel", kernel);
    Map<String, Object> fw = new LinkedHashMap<>();
    Map<String, byte[]> files = new LinkedHashMap<>();
    if (acpi) {
      fw.put("kind", "acpi");
      if (iort != null) {
        files.put("IORT.bin", iort);
      }
      if (viot != null) {
        files.put("VIOT.bin", viot);
      }
    } else {
      fw.put("kind", "dt");
      files.put("virt.dtb", fdt);
    }
    fw.put("files", ImmutableList.copyOf(files.keySet()));
    machine.put("firmware", fw);
    List<String> drivers = new ArrayList<>();
    Set<String> have = new LinkedHashSet<>(log.section("iommu-drivers"));
    if (have.contains("arm-smmu-v3")) {
      drivers.add("arm-smmu-v3");
    }
    if (have.contains("arm-smmu")) {
      drivers.add("arm-smmu");
    }
    if (have.contains("virtio_iommu") || have.contains("virtio-iommu")) {
      drivers.add("virtio-iommu");
    }
    machine.put("iommu_drivers", drivers);
    machine.put("iommu_hardware", new LinkedHashMap<String, Object>());
    machine.put("pci_hosts", hosts);
    machine.put("pci", pciJson);
    machine.put("platform", platJson);
    machine.put("bind_order", bind);

    // --- the report
    List<DeviceResult> report = new ArrayList<>();
    List<String> order = new ArrayList<>(pci.keySet());
    order.addAll(platform.keySet());
    Map<String, String> groupName = new HashMap<>();
    for (String dev : order) {
      SysDev d = pci.containsKey(dev) ? pci.get(dev) : platform.get(dev);
      if (d == null) {
        continue;
      }
      String kernelName = d.name;
      FwspecTrace.Device t = trace.device(kernelName);
      String group = d.fields.get("group");
      String iommu = d.fields.get("iommu");
      List<String> ids = new ArrayList<>();
      if (t != null) {
        for (int id : t.ids().toArray()) {
          ids.add("0x" + Integer.toHexString(id));
        }
      }
      DeviceResult r;
      if (group != null && !group.equals("-")) {
        String g = groupName.computeIfAbsent(group, k -> dev);
        r =
            new DeviceResult(
                dev,
                d.pci,
                d.driver(),
                "ok",
                iommu == null || iommu.equals("-") ? null : iommu,
                ImmutableList.copyOf(ids),
                null,
                g);
      } else if (t != null && t.end() == End.FAILED) {
        r =
            new DeviceResult(
                dev,
                d.pci,
                d.driver(),
                "error",
                null,
                ImmutableList.copyOf(ids),
                errnoName(t.errno()),
                null);
      } else if (from615 || dmaConfigured.contains(dev)) {
        r = new DeviceResult(dev, d.pci, d.driver(), "none", null, ImmutableList.of(), null, null);
      } else {
        r =
            new DeviceResult(
                dev, d.pci, d.driver(), "unprobed", null, ImmutableList.of(), null, null);
      }
      report.add(r);
    }
    return new Observation(
        ImmutableMap.copyOf(machine),
        ImmutableMap.copyOf(files),
        ImmutableList.copyOf(report),
        acpi);
  }

  /**
   * Writes an observation into a directory: the firmware files, {@code machine.json} (with {@code
   * iommu_hardware} describing QEMU's emulated IOMMUs: an SMMUv3 with 16-bit stream IDs, a
   * virtio-iommu) and {@code expected.jsonl}.
   *
   * @param o the observation
   * @param dir the directory (created if missing)
   * @throws ObservationException if a file cannot be written or the library cannot read the
   *     firmware to name its IOMMU instances
   */
  public static void write(Observation o, Path dir) throws ObservationException {
    try {
      Files.createDirectories(dir);
      for (Map.Entry<String, byte[]> f : o.files().entrySet()) {
        Files.write(dir.resolve(f.getKey()), f.getValue());
      }
      Map<String, Object> m = new LinkedHashMap<>(o.machine());
      Path json = dir.resolve("machine.json");
      Files.writeString(json, Json.pretty(m), StandardCharsets.UTF_8);
      Map<String, Object> hw = new LinkedHashMap<>();
      for (Map.Entry<String, String> i : Library.instances(json).entrySet()) {
        Map<String, Object> h = new LinkedHashMap<>();
        if (i.getValue().equals("arm-smmu-v3")) {
          h.put("model", "qemu-smmuv3");
          h.put("sid_bits", 16);
        } else if (i.getValue().equals("virtio-iommu")) {
          h.put("model", "qemu-virtio-iommu");
        } else {
          continue;
        }
        hw.put(i.getKey(), h);
      }
      m.put("iommu_hardware", hw);
      Files.writeString(json, Json.pretty(m), StandardCharsets.UTF_8);
      Files.writeString(
          dir.resolve("expected.jsonl"),
          DeviceResult.toReport(o.report()),
          StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new ObservationException("cannot write the observation into " + dir + ": " + e, e);
    }
  }

  static String errnoName(int errno) {
    String n = ERRNO.get(errno);
    return n == null ? "E" + errno : n;
  }

  private static String hex(int v) {
    return "0x" + Integer.toHexString(v);
  }

  /** A device line of the guest's sysfs dump: {@code dev NAME key=value...}. */
  private static final class SysDev {
    final String name;
    final boolean pci;
    final Map<String, String> fields = new HashMap<>();
    @Nullable PciConfig config;

    private SysDev(String name, boolean pci) {
      this.name = name;
      this.pci = pci;
    }

    static SysDev parse(String line) {
      String[] w = line.trim().split("\\s+", -1);
      SysDev d = new SysDev(w[1], !line.contains(" bus="));
      for (int i = 2; i < w.length; i++) {
        int eq = w[i].indexOf('=');
        if (eq > 0) {
          d.fields.put(w[i].substring(0, eq), w[i].substring(eq + 1));
        }
      }
      return d;
    }

    @Nullable String driver() {
      String v = fields.get("driver");
      return v == null || v.equals("-") || v.isEmpty() ? null : v;
    }

    PciConfig config() {
      PciConfig c = config;
      if (c == null) {
        throw new IllegalStateException("no config space for " + name);
      }
      return c;
    }
  }
}
