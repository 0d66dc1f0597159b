package dev.iommufw.testkit;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.primitives.ImmutableIntArray;
import dev.iommufw.acpi.IortBuilder;
import dev.iommufw.machine.Machine;
import dev.iommufw.machine.MachineException;
import dev.iommufw.machine.MachineJson;
import dev.iommufw.of.FdtBuilder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A small machine in terms a generator can choose freely, rendered to real firmware (a DTB through
 * {@link FdtBuilder}, or an IORT through {@link IortBuilder}) and a {@code machine.json} (<a
 * href="{@docRoot}/dev/iommufw/core/doc-files/machine-format.html">the machine.json format</a>), so
 * that it boots through exactly the loader, glue and drivers a real machine does.
 *
 * <p>Shape: SMMUs (v3 or v1/v2) at distinct MMIO bases; under DT, platform devices whose {@code
 * iommus} name one SMMU with one or more stream IDs; one PCI host (segment 0, root bus 0) whose
 * {@code iommu-map} (DT) or root-complex mapping (IORT) sends every RID to one SMMU at an offset;
 * single-function PCIe endpoints on the root bus, with or without a driver.
 *
 * @param acpi true for IORT firmware, false for a device tree
 * @param smmus the SMMUs, in firmware order
 * @param iommuDrivers the IOMMU drivers the kernel has: an SMMU whose driver is missing never
 *     registers, so its devices defer until the deferred-probe timeout
 * @param platform the platform devices (DT only)
 * @param pciSmmu index into {@code smmus} of the SMMU behind the PCI host, or -1 for none
 * @param pciSidBase the stream ID of RID 0 behind the PCI host
 * @param pci the PCI endpoints on bus 0
 * @param sidBits for a nonzero value, the first SMMUv3 is QEMU's model with that many stream-ID
 *     bits (larger IDs fail with {@code ERANGE}); 0 accepts every fwspec
 */
public record MachineSpec(
    boolean acpi,
    ImmutableList<MachineSpec.Smmu> smmus,
    ImmutableList<String> iommuDrivers,
    ImmutableList<MachineSpec.Platform> platform,
    int pciSmmu,
    int pciSidBase,
    ImmutableList<MachineSpec.Pci> pci,
    int sidBits) {

  /**
   * One SMMU.
   *
   * @param v3 true for an SMMUv3 ({@code arm-smmu-v3}), false for an MMU-500 ({@code arm-smmu})
   * @param base its MMIO base address, which names it
   */
  public record Smmu(boolean v3, long base) {
    /**
     * The instance's name, as the kernel's sysfs names it.
     *
     * @return {@code smmu3.0x…} or {@code smmu.0x…}
     */
    public String name() {
      return (v3 ? "smmu3." : "smmu.") + String.format(Locale.ROOT, "0x%016x", base);
    }

    /**
     * The instance's driver name.
     *
     * @return {@code arm-smmu-v3} or {@code arm-smmu}
     */
    public String driver() {
      return v3 ? "arm-smmu-v3" : "arm-smmu";
    }
  }

  /**
   * One DT platform device with a driver.
   *
   * @param base its MMIO base; the node is {@code /dev@<base>}
   * @param smmu index of the SMMU its {@code iommus} names, or -1 for no {@code iommus}
   * @param sids its stream IDs, one {@code iommus} entry each (empty when {@code smmu} is -1)
   */
  public record Platform(long base, int smmu, ImmutableIntArray sids) {
    /**
     * Validates the shape.
     *
     * @param base the base
     * @param smmu the SMMU index
     * @param sids the stream IDs
     */
    public Platform {
      checkArgument(smmu >= -1, "smmu %s", smmu);
      checkArgument((smmu == -1) == sids.isEmpty(), "sids need an SMMU and vice versa");
      sids = sids.trimmed();
    }

    /**
     * The device's node path, which is its report name.
     *
     * @return {@code /dev@<hex base>}
     */
    public String node() {
      return "/dev@" + Long.toHexString(base);
    }
  }

  /**
   * One PCIe endpoint, function 0 on bus 0.
   *
   * @param device its device number, 1–31
   * @param driver whether a driver binds (so it is DMA-configured)
   */
  public record Pci(int device, boolean driver) {
    /**
     * Validates the device number.
     *
     * @param device the device number
     * @param driver whether a driver binds
     */
    public Pci {
      checkArgument(device >= 1 && device <= 31, "device %s", device);
    }

    /**
     * The function's BDF, its report name.
     *
     * @return {@code 0000:00:dd.0}
     */
    public String bdf() {
      return String.format(Locale.ROOT, "0000:00:%02x.0", device);
    }
  }

  /**
   * Validates references between the parts.
   *
   * @param acpi whether ACPI
   * @param smmus the SMMUs
   * @param iommuDrivers the drivers
   * @param platform the platform devices
   * @param pciSmmu the PCI host's SMMU
   * @param pciSidBase the PCI stream-ID offset
   * @param pci the PCI endpoints
   * @param sidBits the QEMU SMMUv3 model's width, or 0
   * @throws IllegalArgumentException for a dangling SMMU index, platform devices under ACPI, a
   *     duplicate base or device number
   */
  public MachineSpec {
    checkNotNull(smmus);
    checkNotNull(iommuDrivers);
    checkArgument(!acpi || platform.isEmpty(), "platform devices are DT only");
    checkArgument(pciSmmu >= -1 && pciSmmu < smmus.size(), "pciSmmu %s", pciSmmu);
    checkArgument(sidBits >= 0 && sidBits <= 32, "sidBits %s", sidBits);
    for (Platform p : platform) {
      checkArgument(p.smmu() < smmus.size(), "platform SMMU %s", p.smmu());
    }
    checkArgument(
        smmus.stream().map(Smmu::base).distinct().count() == smmus.size(), "duplicate SMMU base");
    checkArgument(
        platform.stream().map(Platform::base).distinct().count() == platform.size(),
        "duplicate platform base");
    checkArgument(
        pci.stream().map(Pci::device).distinct().count() == pci.size(), "duplicate PCI device");
  }

  /**
   * The firmware files, by the names {@link #machineJson()} gives them.
   *
   * @return {@code virt.dtb} or {@code IORT.bin}, with its bytes
   */
  public ImmutableMap<String, byte[]> firmware() {
    return acpi ? ImmutableMap.of("IORT.bin", iort()) : ImmutableMap.of("virt.dtb", deviceTree());
  }

  /**
   * The device tree of a DT machine.
   *
   * @return a v17 DTB
   */
  public byte[] deviceTree() {
    FdtBuilder b = new FdtBuilder();
    FdtBuilder.Node root =
        b.root()
            .strings("compatible", "linux,dummy-virt")
            .cells("#address-cells", 2)
            .cells("#size-cells", 2);
    for (int i = 0; i < smmus.size(); i++) {
      Smmu s = smmus.get(i);
      root.addChild((s.v3() ? "smmuv3@" : "iommu@") + Long.toHexString(s.base()))
          .strings("compatible", s.v3() ? "arm,smmu-v3" : "arm,mmu-500")
          .cells("reg", hi(s.base()), lo(s.base()), 0, 0x20000)
          .cells("#iommu-cells", 1)
          .phandle(i + 1);
    }
    for (Platform p : platform) {
      FdtBuilder.Node n =
          root.addChild("dev@" + Long.toHexString(p.base()))
              .strings("compatible", "iommufw,test-device")
              .cells("reg", hi(p.base()), lo(p.base()), 0, 0x1000);
      if (p.smmu() >= 0) {
        int[] cells = new int[2 * p.sids().length()];
        for (int j = 0; j < p.sids().length(); j++) {
          cells[2 * j] = p.smmu() + 1;
          cells[2 * j + 1] = p.sids().get(j);
        }
        n.cells("iommus", cells);
      }
    }
    FdtBuilder.Node host =
        root.addChild("pcie@10000000")
            .strings("compatible", "pci-host-ecam-generic")
            .strings("device_type", "pci")
            .cells("reg", 0x40, 0x10000000, 0, 0x10000000)
            .cells("bus-range", 0, 0xff)
            .cells("linux,pci-domain", 0)
            .cells("#address-cells", 3)
            .cells("#size-cells", 2);
    if (pciSmmu >= 0) {
      host.cells("iommu-map", 0, pciSmmu + 1, pciSidBase, 0x10000);
    }
    return b.build();
  }

  /**
   * The IORT of an ACPI machine: the SMMUs, then one root complex for segment 0.
   *
   * @return the table
   */
  public byte[] iort() {
    IortBuilder b = new IortBuilder();
    List<Integer> nodes = new ArrayList<>();
    for (Smmu s : smmus) {
      nodes.add(
          s.v3()
              ? b.addSmmuV3(3, s.base(), 0, new long[4], 0, List.of())
              : b.addSmmu(0, s.base(), 3, List.of()));
    }
    List<IortBuilder.Mapping> mappings =
        pciSmmu < 0
            ? List.of()
            : List.of(IortBuilder.Mapping.to(0, 0xffff, pciSidBase, nodes.get(pciSmmu)));
    b.addRootComplex(0, 0, 0, mappings);
    return b.build();
  }

  /**
   * The machine's {@code machine.json}: every platform device and every endpoint with a driver
   * binds, in report order.
   *
   * @return the JSON text
   */
  public String machineJson() {
    StringBuilder j = new StringBuilder();
    j.append("{\"format\":\"iommufw-machine/1\",\"name\":\"generated\",\"kernel\":\"6.12\",");
    j.append("\"firmware\":{\"kind\":\"")
        .append(acpi ? "acpi" : "dt")
        .append("\",\"files\":[\"")
        .append(acpi ? "IORT.bin" : "virt.dtb")
        .append("\"]},");
    j.append("\"iommu_drivers\":[");
    for (int i = 0; i < iommuDrivers.size(); i++) {
      j.append(i == 0 ? "" : ",").append('"').append(iommuDrivers.get(i)).append('"');
    }
    j.append("],\"iommu_hardware\":{");
    if (sidBits > 0) {
      for (Smmu s : smmus) {
        if (s.v3()) {
          j.append('"')
              .append(s.name())
              .append("\":{\"model\":\"qemu-smmuv3\",\"sid_bits\":")
              .append(sidBits)
              .append('}');
          break;
        }
      }
    }
    j.append("},\"pci_hosts\":[{\"segment\":\"0x0\",\"root_bus\":\"0x0\",\"node\":")
        .append(acpi ? "null" : "\"/pcie@10000000\"")
        .append("}],\"pci\":[");
    for (int i = 0; i < pci.size(); i++) {
      Pci p = pci.get(i);
      j.append(i == 0 ? "" : ",")
          .append("{\"bdf\":\"")
          .append(p.bdf())
          .append("\",\"id\":\"1af4:1041\",\"class\":\"0x20000\",\"type\":\"endpoint\",")
          .append("\"pcie\":true,\"multifunction\":false,\"acs\":false,\"parent\":null,")
          .append("\"driver\":")
          .append(p.driver() ? "\"virtio-pci\"" : "null")
          .append('}');
    }
    j.append("],\"platform\":[");
    for (int i = 0; i < platform.size(); i++) {
      j.append(i == 0 ? "" : ",")
          .append("{\"node\":\"")
          .append(platform.get(i).node())
          .append("\",\"driver\":\"test-driver\"}");
    }
    j.append("],\"bind_order\":[]}");
    return j.toString();
  }

  /**
   * The machine as its {@code machine.json}, two-space indented, so that a failing property's
   * counterexample reads as a machine description (its firmware is what the description's fields
   * say: SMMUs at their bases, the platform devices' stream IDs, the PCI host's mapping).
   *
   * @return the JSON text, followed by the fields that only the firmware carries
   */
  @Override
  public String toString() {
    String json;
    try {
      json =
          new String(
              MachineJson.write(MachineJson.parse(machineJson().getBytes(StandardCharsets.UTF_8))),
              StandardCharsets.UTF_8);
    } catch (MachineException e) {
      json = machineJson();
    }
    return json
        + "\n/* firmware: smmus="
        + smmus
        + ", platform="
        + platform
        + ", pciSmmu="
        + pciSmmu
        + ", pciSidBase=0x"
        + Integer.toHexString(pciSidBase)
        + " */";
  }

  /**
   * Loads the machine through the same loader as a {@code machine.json} on disk.
   *
   * @return the machine
   * @throws IllegalStateException if the loader rejects it (a bug in this class)
   */
  public Machine machine() {
    try {
      return Machine.of(
          MachineJson.parse(machineJson().getBytes(StandardCharsets.UTF_8)), firmware());
    } catch (MachineException e) {
      throw new IllegalStateException("generated machine rejected: " + e.getMessage(), e);
    }
  }

  private static int hi(long v) {
    return (int) (v >>> 32);
  }

  private static int lo(long v) {
    return (int) v;
  }
}
