package dev.iommufw.machine;

import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import dev.iommufw.acpi.AcpiIommu;
import dev.iommufw.acpi.AcpiIommuDriver;
import dev.iommufw.acpi.AcpiTableException;
import dev.iommufw.acpi.Iort;
import dev.iommufw.acpi.IortNode;
import dev.iommufw.acpi.Viot;
import dev.iommufw.acpi.ViotNode;
import dev.iommufw.core.pci.Bdf;
import dev.iommufw.core.pci.PciDev;
import dev.iommufw.core.pci.PciDmaAlias;
import dev.iommufw.core.pci.PciQuirks;
import dev.iommufw.core.pci.PciTopology;
import dev.iommufw.drivers.DtIommuDrivers;
import dev.iommufw.machine.MachineDescription.FirmwareKind;
import dev.iommufw.machine.MachineDescription.Hardware;
import dev.iommufw.machine.MachineDescription.PciEntry;
import dev.iommufw.machine.MachineDescription.PciHost;
import dev.iommufw.machine.MachineDescription.PlatformEntry;
import dev.iommufw.of.Fdt;
import dev.iommufw.of.FdtFormatException;
import dev.iommufw.of.FdtNode;
import dev.iommufw.of.OfIommu;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A machine ready to boot (<a href="{@docRoot}/dev/iommufw/core/doc-files/machine-format.html">the
 * machine.json format</a>): its description, its parsed firmware with the glue ({@link OfIommu} or
 * {@link AcpiIommu}), its PCI topology with Linux's quirks applied, and the IOMMU instances
 * firmware describes.
 *
 * <p>{@link #boot()} runs {@link #defaultBoot()} on a fresh {@link #newSystem()} and returns the
 * end state. A machine is immutable and can boot any number of systems, each independent.
 */
public final class Machine {
  /** The order devices are reported in and DMA-configured in when unlisted: by path, bytewise. */
  static final Comparator<String> PATH_ORDER = Comparator.naturalOrder();

  private final MachineDescription description;
  private final PciTopology topology;
  private final ImmutableMap<Bdf, PciEntry> pci;
  private final ImmutableMap<String, PlatformEntry> platform;
  private final @Nullable Fdt fdt;
  private final @Nullable OfIommu of;
  private final @Nullable AcpiIommu acpi;
  private final ImmutableList<InstanceSpec> instances;
  private final ImmutableMap<Integer, ImmutableSet<Integer>> qemuEndpoints;

  private Machine(
      MachineDescription description, @Nullable Fdt fdt, @Nullable Iort iort, @Nullable Viot viot)
      throws MachineException {
    this.description = description;
    this.fdt = fdt;
    PciTopology.Builder tb = PciTopology.builder();
    for (PciHost h : description.pciHosts()) {
      tb.rootBus(h.segment(), h.rootBus());
    }
    Map<Bdf, PciEntry> byBdf = new java.util.TreeMap<>();
    for (PciEntry e : description.pci()) {
      tb.add(e.function());
      byBdf.put(e.function().bdf(), e);
    }
    this.pci = ImmutableMap.copyOf(byBdf);
    Map<String, PlatformEntry> byPath = new java.util.TreeMap<>(PATH_ORDER);
    for (PlatformEntry p : description.platform()) {
      byPath.put(p.node(), p);
    }
    this.platform = ImmutableMap.copyOf(byPath);
    try {
      this.topology = PciQuirks.apply(tb.build());
    } catch (IllegalArgumentException e) {
      throw MachineException.badMachine("pci", String.valueOf(e.getMessage()));
    }
    Set<String> drivers = ImmutableSet.copyOf(description.iommuDrivers());
    if (fdt != null) {
      this.of = OfIommu.of(fdt);
      this.acpi = null;
      checkDtNodes(fdt);
    } else {
      EnumSet<AcpiIommuDriver> enabled = EnumSet.noneOf(AcpiIommuDriver.class);
      if (drivers.contains("arm-smmu-v3")) {
        enabled.add(AcpiIommuDriver.SMMU_V3);
      }
      if (drivers.contains("arm-smmu")) {
        enabled.add(AcpiIommuDriver.SMMU);
      }
      boolean virtio = drivers.contains("virtio-iommu");
      if (virtio) {
        enabled.add(AcpiIommuDriver.VIRTIO_IOMMU);
      }
      // In Linux the VIOT parser is built only with the virtio-iommu driver (CONFIG_VIRTIO_IOMMU).
      this.acpi = AcpiIommu.of(iort, virtio ? viot : null, enabled);
      this.of = null;
    }
    this.instances = describeInstances(drivers);
    Map<Integer, ImmutableSet<Integer>> endpoints = new HashMap<>();
    for (InstanceSpec s : instances) {
      endpoints.computeIfAbsent(s.segment(), this::qemuKnownIds);
    }
    this.qemuEndpoints = ImmutableMap.copyOf(endpoints);
  }

  /**
   * Loads {@code machine.json} and the firmware files beside it.
   *
   * @param machineJson the description's path
   * @return the machine
   * @throws MachineException for a bad description, a missing file, or malformed firmware
   */
  public static Machine load(Path machineJson) throws MachineException {
    byte[] json;
    try {
      json = Files.readAllBytes(machineJson);
    } catch (IOException e) {
      throw MachineException.badMachine("$", "cannot read " + machineJson + ": " + e);
    }
    MachineDescription d = MachineJson.parse(json);
    Path dir = machineJson.toAbsolutePath().getParent();
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (int i = 0; i < d.firmwareFiles().size(); i++) {
      String name = d.firmwareFiles().get(i);
      try {
        Path file = dir == null ? Path.of(name) : dir.resolve(name);
        files.put(name, Files.readAllBytes(file));
      } catch (IOException | RuntimeException e) {
        throw MachineException.badMachine("firmware.files[" + i + "]", "cannot read " + name);
      }
    }
    return of(d, files);
  }

  /**
   * A machine from a description and the bytes of its firmware files.
   *
   * @param description the description
   * @param files every file of {@code description.firmwareFiles()}, by name
   * @return the machine
   * @throws MachineException for a missing file, malformed firmware, or a description that does not
   *     fit the firmware (a DT node it names is not in the blob)
   */
  public static Machine of(MachineDescription description, Map<String, byte[]> files)
      throws MachineException {
    checkNotNull(description);
    Fdt fdt = null;
    Iort iort = null;
    Viot viot = null;
    for (int i = 0; i < description.firmwareFiles().size(); i++) {
      String name = description.firmwareFiles().get(i);
      byte[] bytes = files.get(name);
      if (bytes == null) {
        throw MachineException.badMachine("firmware.files[" + i + "]", "missing file " + name);
      }
      String signature = signature(bytes);
      if (description.firmwareKind() == FirmwareKind.DT) {
        if (!signature.equals("dtb")) {
          throw MachineException.badFirmware(name, "bad-signature", null, null, null);
        }
        try {
          fdt = Fdt.parse(bytes);
        } catch (FdtFormatException e) {
          String category = e.problem().name().toLowerCase(Locale.ROOT).replace('_', '-');
          throw MachineException.badFirmware(
              name,
              category,
              e.problem() == FdtFormatException.Problem.BAD_SIGNATURE ? null : "dtb",
              null,
              e);
        }
      } else if (signature.equals("iort") || signature.equals("viot")) {
        if ((signature.equals("iort") ? iort : viot) != null) {
          throw MachineException.badMachine(
              "firmware.files[" + i + "]", "a second " + signature.toUpperCase(Locale.ROOT));
        }
        try {
          if (signature.equals("iort")) {
            iort = Iort.parse(bytes);
          } else {
            viot = Viot.parse(bytes);
          }
        } catch (AcpiTableException e) {
          throw MachineException.badFirmware(
              name,
              e.problem().category(),
              e.problem() == AcpiTableException.Problem.BAD_SIGNATURE ? null : signature,
              e.nodeOffset(),
              e);
        }
      } else {
        throw MachineException.badFirmware(name, "bad-signature", null, null, null);
      }
    }
    return new Machine(description, fdt, iort, viot);
  }

  private static String signature(byte[] b) {
    if (b.length >= 4) {
      if ((b[0] & 0xff) == 0xd0
          && (b[1] & 0xff) == 0x0d
          && (b[2] & 0xff) == 0xfe
          && (b[3] & 0xff) == 0xed) {
        return "dtb";
      }
      String s = new String(b, 0, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
      if (s.equals("IORT")) {
        return "iort";
      }
      if (s.equals("VIOT")) {
        return "viot";
      }
    }
    return "";
  }

  private void checkDtNodes(Fdt tree) throws MachineException {
    for (int i = 0; i < description.pciHosts().size(); i++) {
      String node = description.pciHosts().get(i).node();
      if (node != null && tree.node(node) == null) {
        throw MachineException.badMachine("pci_hosts[" + i + "].node", "no such DT node");
      }
    }
    for (int i = 0; i < description.platform().size(); i++) {
      if (tree.node(description.platform().get(i).node()) == null) {
        throw MachineException.badMachine("platform[" + i + "].node", "no such DT node");
      }
    }
  }

  // ============================================================================================
  // Instances and their names
  // ============================================================================================

  private ImmutableList<InstanceSpec> describeInstances(Set<String> drivers)
      throws MachineException {
    Map<String, InstanceSpec> out = new LinkedHashMap<>();
    if (fdt != null && of != null) {
      Map<String, PciHost> hostsByPath = new HashMap<>();
      for (PciHost h : description.pciHosts()) {
        if (h.node() != null) {
          hostsByPath.putIfAbsent(h.node(), h);
        }
      }
      for (FdtNode node : fdt.nodes()) {
        String driver = DtIommuDrivers.driver(node);
        if (driver == null) {
          continue;
        }
        boolean available = availableWithAncestors(node);
        if (!driver.equals("virtio-iommu")) {
          String prefix = driver.equals("arm-smmu-v3") ? "smmu3." : "smmu.";
          OptionalLong base = DtAddresses.translatedBase(node);
          String name = prefix + String.format(Locale.ROOT, "0x%016x", base.orElse(0));
          add(out, name, driver, of.fwNode(node), null, drivers.contains(driver) && available, 0);
        } else if (node.compatible().contains("virtio,mmio")
            && !DtIommuDrivers.isPciVirtioIommu(node)) {
          OptionalLong base = DtAddresses.translatedBase(node);
          String nodeName = node.name();
          int at = nodeName.indexOf('@');
          String name =
              Long.toHexString(base.orElse(0))
                  + "."
                  + (at >= 0 ? nodeName.substring(0, at) : nodeName);
          PlatformEntry carrier = platform.get(node.path());
          boolean binds = carrier != null && carrier.driver() != null;
          add(
              out,
              name,
              driver,
              of.fwNode(node),
              node.path(),
              drivers.contains(driver) && available && binds,
              0);
        } else {
          PciHost host = null;
          for (FdtNode up = node.parent(); up != null && host == null; up = up.parent()) {
            host = hostsByPath.get(up.path());
          }
          OptionalInt reg = node.u32("reg");
          if (host == null || reg.isEmpty()) {
            continue; // not below a PCI host of this machine: nothing carries it
          }
          Bdf bdf = Bdf.ofRequesterId(host.segment(), (reg.getAsInt() >>> 8) & 0xffff);
          PciEntry carrier = pci.get(bdf);
          boolean binds = carrier != null && carrier.driver() != null;
          add(
              out,
              bdf.toString(),
              driver,
              of.fwNode(node),
              bdf.toString(),
              drivers.contains(driver) && available && binds,
              host.segment());
        }
      }
    } else if (acpi != null) {
      Iort iort = acpi.iort();
      if (iort != null) {
        for (IortNode node : iort.nodes()) {
          if (node instanceof IortNode.SmmuV3 v3) {
            add(
                out,
                String.format(Locale.ROOT, "smmu3.0x%016x", v3.base()),
                "arm-smmu-v3",
                acpi.iortFwNode(node),
                null,
                drivers.contains("arm-smmu-v3"),
                0);
          } else if (node instanceof IortNode.Smmu v2) {
            add(
                out,
                String.format(Locale.ROOT, "smmu.0x%016x", v2.base()),
                "arm-smmu",
                acpi.iortFwNode(node),
                null,
                drivers.contains("arm-smmu"),
                0);
          }
        }
      }
      Viot viot = acpi.viot();
      if (viot != null) {
        for (ViotNode node : viot.nodes()) {
          // A virtio-iommu over MMIO is out of scope in version 1: it never registers.
          if (node instanceof ViotNode.VirtioPciIommu v) {
            Bdf bdf = Bdf.ofRequesterId(v.segment(), v.bdf());
            PciEntry carrier = pci.get(bdf);
            boolean binds = carrier != null && carrier.driver() != null;
            add(
                out,
                bdf.toString(),
                "virtio-iommu",
                acpi.viotFwNode(v),
                bdf.toString(),
                drivers.contains("virtio-iommu") && binds,
                v.segment());
          }
        }
      }
    }
    return ImmutableList.copyOf(out.values());
  }

  private void add(
      Map<String, InstanceSpec> out,
      String name,
      String driver,
      dev.iommufw.core.FwNode node,
      @Nullable String carrier,
      boolean registers,
      int segment)
      throws MachineException {
    if (out.containsKey(name)) {
      return; // two firmware nodes with one name: the first one is the device
    }
    Hardware hw = description.iommuHardware().get(name);
    if (hw != null) {
      boolean fits =
          hw.model().equals(Hardware.QEMU_SMMUV3)
              ? driver.equals("arm-smmu-v3")
              : driver.equals("virtio-iommu");
      if (!fits) {
        throw MachineException.badMachine(
            "iommu_hardware." + name + ".model",
            hw.model() + " does not fit a " + driver + " instance");
      }
    }
    out.put(name, new InstanceSpec(name, driver, node, carrier, registers, hw, segment));
  }

  private static boolean availableWithAncestors(FdtNode node) {
    for (FdtNode n = node; n != null; n = n.parent()) {
      if (!n.isAvailable()) {
        return false;
      }
    }
    return true;
  }

  /**
   * The IDs under which QEMU's PCI model lets each function of a segment issue DMA (the
   * qemu-virtio-iommu model): the last DMA alias computed without Linux's quirks.
   */
  private ImmutableSet<Integer> qemuKnownIds(int segment) {
    ImmutableSet.Builder<Integer> ids = ImmutableSet.builder();
    for (PciDev f : topology.functions()) {
      if (f.bdf().segment() == segment) {
        ImmutableList<PciDmaAlias> aliases = topology.dmaAliases(f, false);
        ids.add(aliases.get(aliases.size() - 1).requesterId());
      }
    }
    return ids.build();
  }

  // ============================================================================================
  // Accessors and the boot
  // ============================================================================================

  /**
   * The description.
   *
   * @return the description
   */
  public MachineDescription description() {
    return description;
  }

  /**
   * The PCI topology, with Linux's quirk flags applied.
   *
   * @return the topology
   */
  public PciTopology topology() {
    return topology;
  }

  /**
   * The names of every IOMMU instance firmware describes, registering or not, in firmware order.
   *
   * @return the names
   */
  public ImmutableList<String> instanceNames() {
    ImmutableList.Builder<String> out = ImmutableList.builder();
    for (InstanceSpec s : instances) {
      out.add(s.name());
    }
    return out.build();
  }

  /**
   * The driver of a described instance, and whether it registers in the default boot.
   *
   * @param name an instance name from {@link #instanceNames()}
   * @return {@code arm-smmu-v3}, {@code arm-smmu} or {@code virtio-iommu}, followed by {@code "
   *     registers"} or {@code " never registers"}; null for an unknown name
   */
  public @Nullable String describeInstance(String name) {
    checkNotNull(name);
    for (InstanceSpec s : instances) {
      if (s.name().equals(name)) {
        return s.driver() + (s.registers() ? " registers" : " never registers");
      }
    }
    return null;
  }

  /**
   * The report names of every device: PCI functions in address order, then platform devices in path
   * order.
   *
   * @return the names
   */
  public ImmutableList<String> deviceNames() {
    ImmutableList.Builder<String> out = ImmutableList.builder();
    for (Bdf b : pci.keySet()) {
      out.add(b.toString());
    }
    out.addAll(platform.keySet());
    return out.build();
  }

  /**
   * The devices DMA-configured in the boot, in the order they bind (see <a
   * href="{@docRoot}/dev/iommufw/core/doc-files/kernel-rules.html#boot">the boot</a>): the {@code
   * bind_order} entries (a repeated entry counts once, where it first appears), then the other
   * DMA-configured PCI functions in address order, then platform devices in path order.
   *
   * @return device names
   */
  public ImmutableList<String> bindOrder() {
    LinkedHashSet<String> order = new LinkedHashSet<>();
    for (String s : description.bindOrder()) {
      Bdf b = s.startsWith("/") ? null : Bdf.tryParse(s);
      order.add(b == null ? s : b.toString());
    }
    for (PciEntry e : pci.values()) {
      if (e.dmaConfigured()) {
        order.add(e.function().bdf().toString());
      }
    }
    for (PlatformEntry p : platform.values()) {
      if (p.dmaConfigured()) {
        order.add(p.node());
      }
    }
    return ImmutableList.copyOf(order);
  }

  /**
   * The kernel version whose rules the boot follows.
   *
   * @return the description's version
   */
  public KernelVersion kernelVersion() {
    return description.kernelVersion();
  }

  /**
   * The order in which the kernel adds the devices, which is the order a registration probes them
   * in from 6.15 on (kernel: {@code bus_iommu_probe()} over {@code iommu_buses[]}): platform
   * devices whose node is not compatible with {@code arm,primecell}, in path order; then PCI
   * functions root bus by root bus (ascending; under ACPI bus 0 comes after the other root buses of
   * its segment, as QEMU's DSDT lists its expander host bridges first), each bus's functions in
   * devfn order followed by each bridge's secondary bus in turn, recursively (kernel: {@code
   * pci_bus_add_devices()}); then the AMBA devices ({@code arm,primecell}), in path order.
   *
   * @return every device's report name, in that order
   */
  public ImmutableList<String> busOrder() {
    List<String> amba = new ArrayList<>();
    ImmutableList.Builder<String> out = ImmutableList.builder();
    for (String path : platform.keySet()) {
      FdtNode node = fdt == null ? null : fdt.node(path);
      if (node != null && node.compatible().contains("arm,primecell")) {
        amba.add(path);
      } else {
        out.add(path);
      }
    }
    Map<Bdf, List<PciDev>> children = new HashMap<>();
    java.util.TreeMap<Integer, java.util.TreeMap<Integer, List<PciDev>>> roots =
        new java.util.TreeMap<>();
    for (PciEntry e : pci.values()) { // address order, so each list is in devfn order
      PciDev f = e.function();
      Bdf parent = f.parent();
      if (parent == null) {
        roots
            .computeIfAbsent(f.bdf().segment(), k -> new java.util.TreeMap<>())
            .computeIfAbsent(f.bdf().bus(), k -> new ArrayList<>())
            .add(f);
      } else {
        children.computeIfAbsent(parent, k -> new ArrayList<>()).add(f);
      }
    }
    for (java.util.TreeMap<Integer, List<PciDev>> buses : roots.values()) {
      List<Integer> busOrder = new ArrayList<>(buses.keySet());
      if (description.firmwareKind() == FirmwareKind.ACPI && busOrder.remove(Integer.valueOf(0))) {
        busOrder.add(0);
      }
      for (int bus : busOrder) {
        addBus(out, java.util.Objects.requireNonNull(buses.get(bus)), children);
      }
    }
    out.addAll(amba);
    return out.build();
  }

  /** Kernel: {@code pci_bus_add_devices()}: a bus's functions, then each bridge's bus below. */
  private static void addBus(
      ImmutableList.Builder<String> out, List<PciDev> bus, Map<Bdf, List<PciDev>> children) {
    for (PciDev f : bus) {
      out.add(f.bdf().toString());
    }
    for (PciDev f : bus) {
      List<PciDev> below = children.get(f.bdf());
      if (below != null) {
        addBus(out, below, children);
      }
    }
  }

  /**
   * The <a href="{@docRoot}/dev/iommufw/core/doc-files/kernel-rules.html#boot">boot</a> as events:
   * every device is added; the instances that register and are not carried by a device (SMMUs)
   * register; devices are DMA-configured in {@link #bindOrder()}, and a virtio-iommu registers
   * right after its carrier binds; finally the deferred-probe timeout fires. From 6.15 on ({@link
   * KernelVersion#firmwareInProbe()}) the devices are added in {@link #busOrder()}, each configured
   * as it is added; the DMA-configure events are then the drivers' binds.
   *
   * @return the events, in order
   */
  public ImmutableList<BootEvent> defaultBoot() {
    List<BootEvent> events = new ArrayList<>();
    for (String d : kernelVersion().firmwareInProbe() ? busOrder() : deviceNames()) {
      events.add(new BootEvent.AddDevice(d));
    }
    Map<String, List<String>> carried = new HashMap<>();
    for (InstanceSpec s : instances) {
      if (!s.registers()) {
        continue;
      }
      String carrier = s.carrier();
      if (carrier == null) {
        events.add(new BootEvent.RegisterInstance(s.name()));
      } else {
        carried.computeIfAbsent(carrier, k -> new ArrayList<>()).add(s.name());
      }
    }
    for (String d : bindOrder()) {
      events.add(new BootEvent.DmaConfigure(d));
      for (String instance : carried.getOrDefault(d, List.of())) {
        events.add(new BootEvent.RegisterInstance(instance));
      }
    }
    events.add(new BootEvent.DeferredProbeTimeout());
    return ImmutableList.copyOf(events);
  }

  /**
   * A fresh system for this machine: a new core with the topology, the reference drivers, every
   * described instance (none registered) and every device (none added).
   *
   * @return the system
   */
  public MachineSystem newSystem() {
    return new MachineSystem(this);
  }

  /**
   * Boots the machine with {@link #defaultBoot()} and returns the end state.
   *
   * @return the end state
   */
  public MachineState boot() {
    MachineSystem system = newSystem();
    system.runAll(defaultBoot());
    return system.endState();
  }

  // ---- package-private views for MachineSystem ------------------------------------------------

  ImmutableList<InstanceSpec> instanceSpecs() {
    return instances;
  }

  ImmutableMap<Bdf, PciEntry> pciEntries() {
    return pci;
  }

  ImmutableMap<String, PlatformEntry> platformEntries() {
    return platform;
  }

  @Nullable OfIommu ofGlue() {
    return of;
  }

  @Nullable AcpiIommu acpiGlue() {
    return acpi;
  }

  @Nullable Fdt fdt() {
    return fdt;
  }

  ImmutableSet<Integer> qemuEndpoints(int segment) {
    ImmutableSet<Integer> s = qemuEndpoints.get(segment);
    return s == null ? ImmutableSet.of() : s;
  }

  /** The host a function's root bus belongs to. */
  @Nullable PciHost hostOf(PciDev dev) {
    PciDev top = dev;
    for (PciDev up = topology.upstreamBridge(top); up != null; up = topology.upstreamBridge(up)) {
      top = up;
    }
    for (PciHost h : description.pciHosts()) {
      if (h.segment() == top.bdf().segment() && h.rootBus() == top.bdf().bus()) {
        return h;
      }
    }
    return null;
  }
}
