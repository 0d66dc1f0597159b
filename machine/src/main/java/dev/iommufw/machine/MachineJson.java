package dev.iommufw.machine;

import static com.google.common.base.Preconditions.checkNotNull;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import dev.iommufw.core.pci.Bdf;
import dev.iommufw.core.pci.PciDev;
import dev.iommufw.core.pci.PciTopology;
import dev.iommufw.core.pci.PciType;
import dev.iommufw.machine.MachineDescription.FirmwareKind;
import dev.iommufw.machine.MachineDescription.Hardware;
import dev.iommufw.machine.MachineDescription.PciEntry;
import dev.iommufw.machine.MachineDescription.PciHost;
import dev.iommufw.machine.MachineDescription.PlatformEntry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Reads and writes {@code machine.json} (<a
 * href="{@docRoot}/dev/iommufw/core/doc-files/machine-format.html">the machine.json format</a>)
 * with Jackson.
 *
 * <p>Reading is strict and all-or-nothing: input that is not one valid JSON object (duplicate keys
 * and trailing content included), a missing required key, a value of the wrong type or form, or an
 * inconsistency (a parent that is not a bridge, a function neither on a root bus nor inside its
 * parent's bus window, a duplicate BDF, a {@code bind_order} entry that is not a DMA-configured
 * device, …) is a {@link MachineException} naming the key and the problem. Unknown keys are
 * ignored. File existence is checked by {@link Machine#load}.
 */
public final class MachineJson {
  /** The IOMMU driver names that {@code iommu_drivers} may list. */
  public static final ImmutableList<String> DRIVERS =
      ImmutableList.of("arm-smmu-v3", "arm-smmu", "virtio-iommu");

  private MachineJson() {}

  /**
   * Parses and checks a machine description.
   *
   * @param json the bytes of {@code machine.json}
   * @return the description
   * @throws MachineException naming the key and the problem
   */
  public static MachineDescription parse(byte[] json) throws MachineException {
    checkNotNull(json);
    JsonNode root;
    try {
      root = JsonTree.parse(json);
    } catch (IOException | RuntimeException e) {
      throw MachineException.badMachine("$", "not valid JSON: " + e.getMessage());
    }
    if (root == null) {
      throw MachineException.badMachine("$", "empty input");
    }
    return new MachineJson.Reader().read(root);
  }

  /** Walks the tree; keeps no state beyond the current call. */
  private static final class Reader {
    MachineDescription read(JsonNode root) throws MachineException {
      object(root, "$");
      String format = string(root, "format", "format");
      if (!format.equals(MachineDescription.FORMAT)) {
        throw MachineException.badMachine("format", "not " + MachineDescription.FORMAT);
      }
      String name = string(root, "name", "name");
      String kernel = string(root, "kernel", "kernel");
      KernelVersion version =
          KernelVersion.parse(kernel)
              .orElseThrow(
                  () -> MachineException.badMachine("kernel", "not a MAJOR.MINOR kernel version"));
      JsonNode firmware = required(root, "firmware", "firmware");
      object(firmware, "firmware");
      String kindText = string(firmware, "kind", "firmware.kind");
      FirmwareKind kind =
          switch (kindText) {
            case "dt" -> FirmwareKind.DT;
            case "acpi" -> FirmwareKind.ACPI;
            default -> throw MachineException.badMachine("firmware.kind", "not dt or acpi");
          };
      ImmutableList<String> files = stringArray(firmware, "files", "firmware.files");
      if (files.isEmpty() || (kind == FirmwareKind.DT && files.size() != 1)) {
        throw MachineException.badMachine(
            "firmware.files",
            kind == FirmwareKind.DT ? "dt needs exactly one DTB" : "no ACPI table");
      }
      for (int i = 0; i < files.size(); i++) {
        if (files.get(i).isEmpty() || files.get(i).indexOf('\0') >= 0) {
          throw MachineException.badMachine("firmware.files[" + i + "]", "not a file name");
        }
      }
      ImmutableList<String> drivers = stringArray(root, "iommu_drivers", "iommu_drivers");
      for (int i = 0; i < drivers.size(); i++) {
        if (!DRIVERS.contains(drivers.get(i))) {
          throw MachineException.badMachine("iommu_drivers[" + i + "]", "unknown IOMMU driver");
        }
      }
      ImmutableMap<String, Hardware> hardware = hardware(root.get("iommu_hardware"));
      ImmutableList<PciHost> hosts = hosts(kind, array(root, "pci_hosts", "pci_hosts"));
      ImmutableList<PciEntry> pci = pci(array(root, "pci", "pci"), hosts);
      ImmutableList<PlatformEntry> platform = platform(kind, array(root, "platform", "platform"));
      ImmutableList<String> bindOrder = stringArray(root, "bind_order", "bind_order");
      checkBindOrder(bindOrder, pci, platform, version.firmwareInProbe());
      return new MachineDescription(
          name, kernel, kind, files, drivers, hardware, hosts, pci, platform, bindOrder);
    }

    private ImmutableMap<String, Hardware> hardware(@Nullable JsonNode node)
        throws MachineException {
      if (node == null || node.isNull()) {
        return ImmutableMap.of(); // optional: absent or null means no hardware models
      }
      object(node, "iommu_hardware");
      ImmutableMap.Builder<String, Hardware> out = ImmutableMap.builder();
      for (Map.Entry<String, JsonNode> e : node.properties()) {
        String key = "iommu_hardware." + e.getKey();
        JsonNode h = e.getValue();
        object(h, key);
        String model = string(h, "model", key + ".model");
        int sidBits = -1;
        if (model.equals(Hardware.QEMU_SMMUV3)) {
          JsonNode bits = required(h, "sid_bits", key + ".sid_bits");
          if (!bits.isIntegralNumber()
              || !bits.canConvertToInt()
              || bits.intValue() < 0
              || bits.intValue() > 32) {
            throw MachineException.badMachine(key + ".sid_bits", "not an integer 0-32");
          }
          sidBits = bits.intValue();
        } else if (!model.equals(Hardware.QEMU_VIRTIO_IOMMU)) {
          throw MachineException.badMachine(key + ".model", "unknown model");
        }
        out.put(e.getKey(), new Hardware(model, sidBits));
      }
      return out.buildOrThrow();
    }

    private ImmutableList<PciHost> hosts(FirmwareKind kind, JsonNode array)
        throws MachineException {
      ImmutableList.Builder<PciHost> out = ImmutableList.builder();
      Set<Long> seen = new HashSet<>();
      for (int i = 0; i < array.size(); i++) {
        String key = "pci_hosts[" + i + "]";
        JsonNode h = array.get(i);
        object(h, key);
        int segment = hex(h, "segment", key + ".segment", 0xffff);
        int bus = hex(h, "root_bus", key + ".root_bus", 0xff);
        String node = nullableString(h, "node", key + ".node");
        if (kind == FirmwareKind.DT && node == null) {
          throw MachineException.badMachine(key + ".node", "a DT host needs its node path");
        }
        if (!seen.add((long) segment << 8 | bus)) {
          throw MachineException.badMachine(key, "duplicate root bus");
        }
        out.add(new PciHost(segment, bus, node));
      }
      return out.build();
    }

    private ImmutableList<PciEntry> pci(JsonNode array, ImmutableList<PciHost> hosts)
        throws MachineException {
      List<PciEntry> out = new ArrayList<>();
      Set<Bdf> seen = new HashSet<>();
      PciTopology.Builder topology = PciTopology.builder();
      for (PciHost h : hosts) {
        topology.rootBus(h.segment(), h.rootBus());
      }
      for (int i = 0; i < array.size(); i++) {
        String key = "pci[" + i + "]";
        JsonNode f = array.get(i);
        object(f, key);
        Bdf bdf = bdf(string(f, "bdf", key + ".bdf"), key + ".bdf");
        if (!seen.add(bdf)) {
          throw MachineException.badMachine(key + ".bdf", "duplicate BDF " + bdf);
        }
        String id = string(f, "id", key + ".id");
        if (!id.matches("[0-9a-fA-F]{4}:[0-9a-fA-F]{4}")) {
          throw MachineException.badMachine(key + ".id", "not vvvv:dddd");
        }
        int classCode = hex(f, "class", key + ".class", 0xffffff);
        String typeText = string(f, "type", key + ".type");
        PciType type = PciType.fromJsonName(typeText);
        if (type == null) {
          throw MachineException.badMachine(key + ".type", "unknown type " + typeText);
        }
        PciDev.Builder b =
            PciDev.builder(bdf, type)
                .id(Integer.parseInt(id.substring(0, 4), 16), Integer.parseInt(id.substring(5), 16))
                .classCode(classCode)
                .pcie(bool(f, "pcie", key + ".pcie"))
                .multifunction(bool(f, "multifunction", key + ".multifunction"))
                .acs(bool(f, "acs", key + ".acs"));
        String parent = nullableString(f, "parent", key + ".parent");
        if (parent != null) {
          Bdf p = bdf(parent, key + ".parent");
          if (p.segment() != bdf.segment()) {
            throw MachineException.badMachine(key + ".parent", "parent on another segment");
          }
          b.parent(p);
        }
        if (type.isBridge()) {
          int secondary = hex(f, "secondary", key + ".secondary", 0xff);
          int subordinate = hex(f, "subordinate", key + ".subordinate", 0xff);
          if (subordinate < secondary) {
            throw MachineException.badMachine(key + ".subordinate", "below the secondary bus");
          }
          b.window(secondary, subordinate);
        }
        JsonNode aliases = f.get("dma_alias_devfns");
        if (aliases != null && !aliases.isNull()) {
          if (!aliases.isArray()) {
            throw MachineException.badMachine(key + ".dma_alias_devfns", "not an array");
          }
          int[] devfns = new int[aliases.size()];
          for (int j = 0; j < devfns.length; j++) {
            devfns[j] = hexValue(aliases.get(j), key + ".dma_alias_devfns[" + j + "]", 0xff);
          }
          b.quirkAliasDevfns(devfns);
        }
        String driver = nullableString(f, "driver", key + ".driver");
        String failed =
            f.has("failed_driver")
                ? nullableString(f, "failed_driver", key + ".failed_driver")
                : null;
        if (failed != null && driver != null) {
          throw MachineException.badMachine(key + ".failed_driver", "only with driver null");
        }
        PciDev dev = b.build();
        topology.add(dev);
        out.add(new PciEntry(dev, driver, failed));
      }
      try {
        PciTopology unused = topology.build(); // only to validate the topology
      } catch (IllegalArgumentException e) {
        throw MachineException.badMachine("pci", String.valueOf(e.getMessage()));
      }
      return ImmutableList.copyOf(out);
    }

    private ImmutableList<PlatformEntry> platform(FirmwareKind kind, JsonNode array)
        throws MachineException {
      ImmutableList.Builder<PlatformEntry> out = ImmutableList.builder();
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < array.size(); i++) {
        String key = "platform[" + i + "]";
        JsonNode p = array.get(i);
        object(p, key);
        String node = string(p, "node", key + ".node");
        if (!node.startsWith("/")) {
          throw MachineException.badMachine(key + ".node", "not a DT path");
        }
        if (!seen.add(node)) {
          throw MachineException.badMachine(key + ".node", "duplicate node");
        }
        out.add(new PlatformEntry(node, nullableString(p, "driver", key + ".driver")));
      }
      ImmutableList<PlatformEntry> list = out.build();
      if (kind == FirmwareKind.ACPI && !list.isEmpty()) {
        throw MachineException.badMachine("platform", "platform devices are DT only");
      }
      return list;
    }

    /**
     * Every entry names a DMA-configured device; from 6.15 on every device is DMA-configured, so it
     * only has to name a device.
     */
    private void checkBindOrder(
        ImmutableList<String> order,
        ImmutableList<PciEntry> pci,
        ImmutableList<PlatformEntry> platform,
        boolean everyDevice)
        throws MachineException {
      Map<Bdf, PciEntry> byBdf = new HashMap<>();
      for (PciEntry e : pci) {
        byBdf.put(e.function().bdf(), e);
      }
      Map<String, PlatformEntry> byNode = new HashMap<>();
      for (PlatformEntry e : platform) {
        byNode.put(e.node(), e);
      }
      for (int i = 0; i < order.size(); i++) {
        String name = order.get(i);
        boolean ok;
        if (name.startsWith("/")) {
          PlatformEntry e = byNode.get(name);
          ok = e != null && (everyDevice || e.dmaConfigured());
        } else {
          Bdf b = Bdf.tryParse(name);
          PciEntry e = b == null ? null : byBdf.get(b);
          ok = e != null && (everyDevice || e.dmaConfigured());
        }
        if (!ok) {
          throw MachineException.badMachine(
              "bind_order[" + i + "]", name + " is not a DMA-configured device");
        }
      }
    }

    // ---- typed accessors --------------------------------------------------------------------

    private static JsonNode required(JsonNode obj, String field, String key)
        throws MachineException {
      JsonNode v = obj.get(field);
      if (v == null) {
        throw MachineException.badMachine(key, "missing");
      }
      return v;
    }

    private static void object(JsonNode v, String key) throws MachineException {
      if (!v.isObject()) {
        throw MachineException.badMachine(key, "not an object");
      }
    }

    private static JsonNode array(JsonNode obj, String field, String key) throws MachineException {
      JsonNode v = required(obj, field, key);
      if (!v.isArray()) {
        throw MachineException.badMachine(key, "not an array");
      }
      return v;
    }

    private static String string(JsonNode obj, String field, String key) throws MachineException {
      JsonNode v = required(obj, field, key);
      if (!v.isTextual()) {
        throw MachineException.badMachine(key, "not a string");
      }
      return v.textValue();
    }

    private static @Nullable String nullableString(JsonNode obj, String field, String key)
        throws MachineException {
      JsonNode v = required(obj, field, key);
      if (v.isNull()) {
        return null;
      }
      if (!v.isTextual()) {
        throw MachineException.badMachine(key, "not a string or null");
      }
      return v.textValue();
    }

    private static boolean bool(JsonNode obj, String field, String key) throws MachineException {
      JsonNode v = required(obj, field, key);
      if (!v.isBoolean()) {
        throw MachineException.badMachine(key, "not a boolean");
      }
      return v.booleanValue();
    }

    private static ImmutableList<String> stringArray(JsonNode obj, String field, String key)
        throws MachineException {
      JsonNode v = array(obj, field, key);
      ImmutableList.Builder<String> out = ImmutableList.builder();
      for (int i = 0; i < v.size(); i++) {
        JsonNode s = v.get(i);
        if (!s.isTextual()) {
          throw MachineException.badMachine(key + "[" + i + "]", "not a string");
        }
        out.add(s.textValue());
      }
      return out.build();
    }

    private static int hex(JsonNode obj, String field, String key, int max)
        throws MachineException {
      return hexValue(required(obj, field, key), key, max);
    }

    private static int hexValue(JsonNode v, String key, int max) throws MachineException {
      if (!v.isTextual()) {
        throw MachineException.badMachine(key, "not a hex string");
      }
      String s = v.textValue();
      if (!s.matches("0x[0-9a-fA-F]{1,8}")) {
        throw MachineException.badMachine(key, "not of the form 0x<hex>");
      }
      long value = Long.parseLong(s.substring(2), 16);
      if (value > max) {
        throw MachineException.badMachine(key, "above 0x" + Integer.toHexString(max));
      }
      return (int) value;
    }

    private static Bdf bdf(String text, String key) throws MachineException {
      Bdf b = Bdf.tryParse(text);
      if (b == null) {
        throw MachineException.badMachine(key, "not a BDF SSSS:BB:DD.F");
      }
      return b;
    }
  }

  // ============================================================================================
  // Writing
  // ============================================================================================

  /**
   * Writes a description as {@code machine.json} (two-space indented), such that {@link #parse}
   * gives it back.
   *
   * @param d the description
   * @return the JSON bytes, UTF-8
   */
  public static byte[] write(MachineDescription d) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
      g.useDefaultPrettyPrinter();
      g.writeStartObject();
      g.writeStringField("format", MachineDescription.FORMAT);
      g.writeStringField("name", d.name());
      g.writeStringField("kernel", d.kernel());
      g.writeObjectFieldStart("firmware");
      g.writeStringField("kind", d.firmwareKind() == FirmwareKind.DT ? "dt" : "acpi");
      g.writeArrayFieldStart("files");
      for (String f : d.firmwareFiles()) {
        g.writeString(f);
      }
      g.writeEndArray();
      g.writeEndObject();
      g.writeArrayFieldStart("iommu_drivers");
      for (String s : d.iommuDrivers()) {
        g.writeString(s);
      }
      g.writeEndArray();
      g.writeObjectFieldStart("iommu_hardware");
      for (Map.Entry<String, Hardware> e : d.iommuHardware().entrySet()) {
        g.writeObjectFieldStart(e.getKey());
        g.writeStringField("model", e.getValue().model());
        if (e.getValue().sidBits() >= 0) {
          g.writeNumberField("sid_bits", e.getValue().sidBits());
        }
        g.writeEndObject();
      }
      g.writeEndObject();
      g.writeArrayFieldStart("pci_hosts");
      for (PciHost h : d.pciHosts()) {
        g.writeStartObject();
        g.writeStringField("segment", hex(h.segment()));
        g.writeStringField("root_bus", hex(h.rootBus()));
        g.writeStringField("node", h.node());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeArrayFieldStart("pci");
      for (PciEntry e : d.pci()) {
        PciDev f = e.function();
        g.writeStartObject();
        g.writeStringField("bdf", f.bdf().toString());
        g.writeStringField("id", String.format("%04x:%04x", f.vendorId(), f.deviceId()));
        g.writeStringField("class", hex(f.classCode()));
        g.writeStringField("type", f.type().jsonName());
        g.writeBooleanField("pcie", f.pcie());
        g.writeBooleanField("multifunction", f.multifunction());
        g.writeBooleanField("acs", f.acs());
        Bdf parent = f.parent();
        g.writeStringField("parent", parent == null ? null : parent.toString());
        if (f.type().isBridge()) {
          g.writeStringField("secondary", hex(f.secondary()));
          g.writeStringField("subordinate", hex(f.subordinate()));
        }
        if (!f.quirkAliasDevfns().isEmpty()) {
          g.writeArrayFieldStart("dma_alias_devfns");
          for (int devfn : f.quirkAliasDevfns().toArray()) {
            g.writeString(hex(devfn));
          }
          g.writeEndArray();
        }
        g.writeStringField("driver", e.driver());
        if (e.failedDriver() != null) {
          g.writeStringField("failed_driver", e.failedDriver());
        }
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeArrayFieldStart("platform");
      for (PlatformEntry p : d.platform()) {
        g.writeStartObject();
        g.writeStringField("node", p.node());
        g.writeStringField("driver", p.driver());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeArrayFieldStart("bind_order");
      for (String s : d.bindOrder()) {
        g.writeString(s);
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException e) {
      throw new AssertionError("writing to memory cannot fail", e);
    }
    return out.toByteArray();
  }

  private static String hex(int v) {
    return "0x" + Integer.toHexString(v);
  }
}
