package dev.iommufw.kerneldiff;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A QEMU {@code virt} machine to boot: firmware interface, IOMMU, the PCI device list, the guest
 * modules to load and optional edits of QEMU's DTB, rendered to the files the shell command boots
 * ({@code qemu.args}, one argument per line; {@code firmware}; {@code iommu}; {@code modules};
 * {@code fdt-edits}).
 *
 * @param name a file-name-safe name
 * @param acpi true for UEFI/ACPI, false for DT
 * @param iommu {@code smmuv3} (the machine's built-in SMMUv3) or {@code virtio-iommu} (a
 *     virtio-iommu-pci function)
 * @param devices the QEMU devices, in command line order
 * @param modules the guest modules to load (dependencies are added by the shell)
 * @param iommuMap for DT only: a replacement of the PCI host's {@code iommu-map} as triples (RID
 *     base, output base, length), empty to keep QEMU's identity map
 * @param description a one-line human description
 */
public record Topology(
    String name,
    boolean acpi,
    String iommu,
    ImmutableList<QemuDevice> devices,
    ImmutableList<String> modules,
    ImmutableList<Integer> iommuMap,
    String description) {

  /**
   * Checks the values.
   *
   * @param name the name
   * @param acpi the firmware interface
   * @param iommu the IOMMU
   * @param devices the devices
   * @param modules the modules
   * @param iommuMap the map edit
   * @param description the description
   */
  public Topology {
    checkArgument(name.matches("[A-Za-z0-9._-]+"), "topology name %s is not file-name-safe", name);
    checkArgument(iommu.equals("smmuv3") || iommu.equals("virtio-iommu"), "iommu %s", iommu);
    checkArgument(iommuMap.size() % 3 == 0, "iommu-map edit must be triples: %s", iommuMap);
    checkArgument(
        iommuMap.isEmpty() || (!acpi && iommu.equals("smmuv3")),
        "an iommu-map edit needs a DT machine with the SMMUv3");
    checkNotNull(devices);
    checkNotNull(modules);
    checkNotNull(description);
  }

  /**
   * One {@code -device} (or {@code -blockdev}) argument pair.
   *
   * @param option {@code -device} or {@code -blockdev}
   * @param driver the QEMU driver ({@code pcie-root-port}, {@code e1000e}, {@code null-co}, …)
   * @param props the properties in order
   */
  public record QemuDevice(String option, String driver, ImmutableMap<String, String> props) {
    /**
     * Checks the values.
     *
     * @param option the option
     * @param driver the driver
     * @param props the properties
     */
    public QemuDevice {
      checkArgument(option.equals("-device") || option.equals("-blockdev"), "option %s", option);
      checkArgument(driver.matches("[a-z0-9-]+"), "QEMU driver %s", driver);
      for (Map.Entry<String, String> e : props.entrySet()) {
        checkArgument(
            !e.getValue().contains(",") && !e.getKey().contains(","),
            "property %s=%s contains a comma",
            e.getKey(),
            e.getValue());
      }
    }

    /**
     * The option's value: {@code driver,key=value,...}.
     *
     * @return the value
     */
    public String value() {
      StringBuilder s = new StringBuilder(driver);
      props.forEach((k, v) -> s.append(',').append(k).append('=').append(v));
      return s.toString();
    }
  }

  /**
   * The QEMU arguments for the PCI topology (the machine, CPU, memory, kernel and firmware options
   * are the shell's).
   *
   * @return arguments, in order
   */
  public ImmutableList<String> qemuArgs() {
    List<String> out = new ArrayList<>();
    for (QemuDevice d : devices) {
      out.add(d.option());
      out.add(d.value());
    }
    return ImmutableList.copyOf(out);
  }

  /**
   * The {@code fdtput} argument lines that edit QEMU's DTB (empty without an edit). The placeholder
   * {@code @SMMU} stands for the SMMUv3's phandle, which the shell reads from the dumped DTB.
   *
   * @return lines for {@code fdt-edits}
   */
  public ImmutableList<String> fdtEdits() {
    if (iommuMap.isEmpty()) {
      return ImmutableList.of();
    }
    StringBuilder s = new StringBuilder("-t x /pcie@10000000 iommu-map");
    for (int i = 0; i < iommuMap.size(); i += 3) {
      s.append(' ')
          .append(Integer.toHexString(iommuMap.get(i)))
          .append(" @SMMU ")
          .append(Integer.toHexString(iommuMap.get(i + 1)))
          .append(' ')
          .append(Integer.toHexString(iommuMap.get(i + 2)));
    }
    return ImmutableList.of(s.toString());
  }

  /**
   * Writes the topology's files into a directory (created if missing).
   *
   * @param dir the directory
   * @throws IOException if a file cannot be written
   */
  public void writeTo(Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.write(dir.resolve("qemu.args"), qemuArgs(), StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("firmware"), (acpi ? "acpi" : "dt") + "\n");
    Files.writeString(dir.resolve("iommu"), iommu + "\n");
    Files.writeString(dir.resolve("modules"), String.join(" ", modules) + "\n");
    Files.write(dir.resolve("fdt-edits"), fdtEdits(), StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("topology.txt"), description + "\n");
  }
}
