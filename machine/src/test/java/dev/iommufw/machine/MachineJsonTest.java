package dev.iommufw.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every validation rule of machine.md §1, one case each, plus firmware errors and round trip. */
class MachineJsonTest {
  static final ObjectMapper MAPPER = new ObjectMapper();

  static Path folder(String name) throws Exception {
    return MachineConformanceTest.corpus().resolve(name);
  }

  static ObjectNode sample(String name) throws Exception {
    return (ObjectNode) MAPPER.readTree(Files.readAllBytes(folder(name).resolve("machine.json")));
  }

  static byte[] mutated(String name, Consumer<ObjectNode> edit) throws Exception {
    ObjectNode root = sample(name);
    edit.accept(root);
    return MAPPER.writeValueAsBytes(root);
  }

  static ObjectNode pci(ObjectNode root, int i) {
    return (ObjectNode) root.withArray("pci").get(i);
  }

  static Stream<Arguments> badDescriptions() {
    String acpi = "linux-6.12-acpi-smmuv3";
    String dt = "linux-6.12-dt-smmuv3-custom-map";
    return Stream.of(
        Arguments.of(
            "wrong format",
            acpi,
            "format",
            (Consumer<ObjectNode>) r -> r.put("format", "iommufw-machine/2")),
        Arguments.of("missing name", acpi, "name", (Consumer<ObjectNode>) r -> r.remove("name")),
        Arguments.of(
            "kernel not a string", acpi, "kernel", (Consumer<ObjectNode>) r -> r.put("kernel", 6)),
        Arguments.of(
            "kernel without a minor version",
            acpi,
            "kernel",
            (Consumer<ObjectNode>) r -> r.put("kernel", "6")),
        Arguments.of(
            "kernel with a patch level",
            acpi,
            "kernel",
            (Consumer<ObjectNode>) r -> r.put("kernel", "6.12.117")),
        Arguments.of(
            "kernel with a leading zero",
            acpi,
            "kernel",
            (Consumer<ObjectNode>) r -> r.put("kernel", "6.015")),
        Arguments.of(
            "kernel not numeric",
            acpi,
            "kernel",
            (Consumer<ObjectNode>) r -> r.put("kernel", "linux-6.12")),
        Arguments.of(
            "kernel empty", acpi, "kernel", (Consumer<ObjectNode>) r -> r.put("kernel", "")),
        Arguments.of(
            "unknown firmware kind",
            acpi,
            "firmware.kind",
            (Consumer<ObjectNode>) r -> ((ObjectNode) r.get("firmware")).put("kind", "uefi")),
        Arguments.of(
            "dt with two files",
            dt,
            "firmware.files",
            (Consumer<ObjectNode>) r -> ((ArrayNode) r.get("firmware").get("files")).add("b")),
        Arguments.of(
            "unknown IOMMU driver",
            acpi,
            "iommu_drivers[3]",
            (Consumer<ObjectNode>) r -> r.withArray("iommu_drivers").add("intel-iommu")),
        Arguments.of(
            "unknown hardware model",
            acpi,
            "iommu_hardware.smmu3.0x0000000009050000.model",
            (Consumer<ObjectNode>)
                r ->
                    ((ObjectNode) r.get("iommu_hardware").get("smmu3.0x0000000009050000"))
                        .put("model", "qemu-smmuv2")),
        Arguments.of(
            "sid_bits out of range",
            acpi,
            "iommu_hardware.smmu3.0x0000000009050000.sid_bits",
            (Consumer<ObjectNode>)
                r ->
                    ((ObjectNode) r.get("iommu_hardware").get("smmu3.0x0000000009050000"))
                        .put("sid_bits", 33)),
        Arguments.of(
            "hardware model of another driver",
            acpi,
            "iommu_hardware.smmu3.0x0000000009050000.model",
            (Consumer<ObjectNode>)
                r ->
                    ((ObjectNode) r.get("iommu_hardware").get("smmu3.0x0000000009050000"))
                        .put("model", "qemu-virtio-iommu")),
        Arguments.of(
            "segment not hex",
            acpi,
            "pci_hosts[0].segment",
            (Consumer<ObjectNode>)
                r -> ((ObjectNode) r.withArray("pci_hosts").get(0)).put("segment", "0")),
        Arguments.of(
            "root bus above 0xff",
            acpi,
            "pci_hosts[1].root_bus",
            (Consumer<ObjectNode>)
                r -> ((ObjectNode) r.withArray("pci_hosts").get(1)).put("root_bus", "0x100")),
        Arguments.of(
            "duplicate root bus",
            acpi,
            "pci_hosts[1]",
            (Consumer<ObjectNode>)
                r -> ((ObjectNode) r.withArray("pci_hosts").get(1)).put("root_bus", "0x0")),
        Arguments.of(
            "dt host without a node",
            dt,
            "pci_hosts[0].node",
            (Consumer<ObjectNode>)
                r -> ((ObjectNode) r.withArray("pci_hosts").get(0)).putNull("node")),
        Arguments.of(
            "device number above 0x1f",
            acpi,
            "pci[1].bdf",
            (Consumer<ObjectNode>) r -> pci(r, 1).put("bdf", "0000:00:20.0")),
        Arguments.of(
            "id not vvvv:dddd",
            acpi,
            "pci[1].id",
            (Consumer<ObjectNode>) r -> pci(r, 1).put("id", "1af4")),
        Arguments.of(
            "class a number",
            acpi,
            "pci[1].class",
            (Consumer<ObjectNode>) r -> pci(r, 1).put("class", 0x20000)),
        Arguments.of(
            "unknown type",
            acpi,
            "pci[1].type",
            (Consumer<ObjectNode>) r -> pci(r, 1).put("type", "bridge")),
        Arguments.of(
            "pcie a string",
            acpi,
            "pci[1].pcie",
            (Consumer<ObjectNode>) r -> pci(r, 1).put("pcie", "true")),
        Arguments.of(
            "missing acs", acpi, "pci[1].acs", (Consumer<ObjectNode>) r -> pci(r, 1).remove("acs")),
        Arguments.of(
            "missing driver key",
            acpi,
            "pci[1].driver",
            (Consumer<ObjectNode>) r -> pci(r, 1).remove("driver")),
        Arguments.of(
            "parent not a bridge",
            acpi,
            "pci",
            (Consumer<ObjectNode>) r -> pci(r, 6).put("parent", "0000:00:01.0")),
        Arguments.of(
            "parent not in pci",
            acpi,
            "pci",
            (Consumer<ObjectNode>) r -> pci(r, 6).put("parent", "0000:00:09.0")),
        Arguments.of(
            "bus outside the parent's window",
            acpi,
            "pci",
            (Consumer<ObjectNode>) r -> pci(r, 6).put("bdf", "0000:05:00.0")),
        Arguments.of(
            "off a root bus without a parent",
            acpi,
            "pci",
            (Consumer<ObjectNode>) r -> pci(r, 6).putNull("parent")),
        Arguments.of(
            "duplicate BDF",
            acpi,
            "pci[2].bdf",
            (Consumer<ObjectNode>) r -> pci(r, 2).put("bdf", "0000:00:01.0")),
        Arguments.of(
            "bridge without secondary",
            acpi,
            "pci[3].secondary",
            (Consumer<ObjectNode>) r -> pci(r, 3).remove("secondary")),
        Arguments.of(
            "subordinate below secondary",
            acpi,
            "pci[4].subordinate",
            (Consumer<ObjectNode>) r -> pci(r, 4).put("subordinate", "0x1")),
        Arguments.of(
            "failed driver beside a driver",
            acpi,
            "pci[1].failed_driver",
            (Consumer<ObjectNode>) r -> pci(r, 1).put("failed_driver", "e1000e")),
        Arguments.of(
            "quirk devfn above 0xff",
            acpi,
            "pci[1].dma_alias_devfns[0]",
            (Consumer<ObjectNode>) r -> pci(r, 1).putArray("dma_alias_devfns").add("0x100")),
        Arguments.of(
            "platform devices under ACPI",
            acpi,
            "platform",
            (Consumer<ObjectNode>)
                r ->
                    r.withArray("platform")
                        .addObject()
                        .put("node", "/pl031@9010000")
                        .put("driver", "rtc-pl031")),
        Arguments.of(
            "platform node not a path",
            dt,
            "platform[0].node",
            (Consumer<ObjectNode>)
                r -> ((ObjectNode) r.withArray("platform").get(0)).put("node", "pl031")),
        Arguments.of(
            "bind_order names a device never DMA-configured",
            acpi,
            "bind_order[9]",
            (Consumer<ObjectNode>) r -> r.withArray("bind_order").add("0000:00:00.0")),
        Arguments.of(
            "bind_order names no device on 6.18",
            "linux-6.18-acpi-smmuv3",
            "bind_order[9]",
            (Consumer<ObjectNode>) r -> r.withArray("bind_order").add("0000:00:1f.0")),
        Arguments.of(
            "bind_order names no device",
            acpi,
            "bind_order[9]",
            (Consumer<ObjectNode>) r -> r.withArray("bind_order").add("0000:00:1f.0")),
        Arguments.of(
            "bind_order entry not a string",
            acpi,
            "bind_order[9]",
            (Consumer<ObjectNode>) r -> r.withArray("bind_order").add(5)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badDescriptions")
  void badDescriptionsAreRejectedNamingTheKey(
      String what, String machine, String key, Consumer<ObjectNode> edit) throws Exception {
    byte[] json = mutated(machine, edit);
    Map<String, byte[]> files = new java.util.HashMap<>();
    for (String f : new String[] {"IORT.bin", "virt.dtb"}) {
      Path p = folder(machine).resolve(f);
      if (Files.exists(p)) {
        files.put(f, Files.readAllBytes(p));
      }
    }
    MachineException e =
        catchThrowableOfType(
            MachineException.class, () -> Machine.of(MachineJson.parse(json), files));
    assertThat(e).as(what).isNotNull();
    assertThat(e.isBadMachine()).isTrue();
    assertThat(e.key()).isEqualTo(key);
    assertThat(e.errorLine())
        .isEqualTo("{\"error\":\"bad-machine\",\"format\":\"machine\",\"offset\":null}\n");
  }

  @Test
  void from615OnBindOrderMayNameADeviceNoDriverBinds() throws Exception {
    // Every device is DMA-configured on these kernels, so the host bridge is a valid entry.
    byte[] json =
        mutated("linux-6.18-acpi-smmuv3", r -> r.withArray("bind_order").add("0000:00:00.0"));
    assertThat(MachineJson.parse(json).bindOrder()).contains("0000:00:00.0");
  }

  @Test
  void theKernelIsParsedAsAVersion() throws Exception {
    assertThat(MachineJson.parse(mutated("linux-6.12-acpi-smmuv3", r -> {})).kernelVersion())
        .isEqualTo(new KernelVersion(6, 12));
    assertThat(
            MachineJson.parse(mutated("linux-6.12-acpi-smmuv3", r -> r.put("kernel", "7.3")))
                .kernelVersion()
                .firmwareInProbe())
        .isTrue();
  }

  @Test
  void invalidJsonIsABadMachine() {
    for (String text : new String[] {"{", "", "[]", "{} {}", "{\"a\":1,\"a\":2}", "null"}) {
      byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
      assertThatThrownBy(() -> MachineJson.parse(bytes))
          .as(text)
          .isInstanceOf(MachineException.class)
          .satisfies(t -> assertThat(((MachineException) t).isBadMachine()).isTrue());
    }
  }

  @Test
  void dtNodesTheBlobLacksAreABadMachine(@TempDir Path dir) throws Exception {
    Path src = folder("linux-6.12-dt-smmuv3-custom-map");
    Files.copy(src.resolve("virt.dtb"), dir.resolve("virt.dtb"));
    Files.write(
        dir.resolve("machine.json"),
        mutated(
            "linux-6.12-dt-smmuv3-custom-map",
            r -> {
              ((ObjectNode) r.withArray("platform").get(0)).put("node", "/nowhere@0");
              r.withArray("bind_order").set(0, MAPPER.getNodeFactory().textNode("/nowhere@0"));
            }));
    MachineException e =
        catchThrowableOfType(
            MachineException.class, () -> Machine.load(dir.resolve("machine.json")));
    assertThat(e.key()).isEqualTo("platform[0].node");
  }

  @Test
  void aMissingFileIsABadMachine(@TempDir Path dir) throws Exception {
    Files.write(dir.resolve("machine.json"), mutated("linux-6.12-acpi-smmuv3", r -> {}));
    MachineException e =
        catchThrowableOfType(
            MachineException.class, () -> Machine.load(dir.resolve("machine.json")));
    assertThat(e.isBadMachine()).isTrue();
    assertThat(e.key()).isEqualTo("firmware.files[0]");
  }

  @Test
  void malformedFirmwareGivesThatFilesErrorLine(@TempDir Path dir) throws Exception {
    Files.write(dir.resolve("machine.json"), mutated("linux-6.12-acpi-smmuv3", r -> {}));
    byte[] iort = Files.readAllBytes(folder("linux-6.12-acpi-smmuv3").resolve("IORT.bin"));
    Files.write(dir.resolve("IORT.bin"), Arrays.copyOf(iort, 40));
    MachineException e =
        catchThrowableOfType(
            MachineException.class, () -> Machine.load(dir.resolve("machine.json")));
    assertThat(e.errorLine())
        .isEqualTo("{\"error\":\"truncated\",\"format\":\"iort\",\"offset\":null}\n");

    Files.write(dir.resolve("IORT.bin"), "JUNKJUNK".getBytes(StandardCharsets.US_ASCII));
    e =
        catchThrowableOfType(
            MachineException.class, () -> Machine.load(dir.resolve("machine.json")));
    assertThat(e.errorLine())
        .isEqualTo("{\"error\":\"bad-signature\",\"format\":null,\"offset\":null}\n");

    byte[] dtb = Files.readAllBytes(folder("linux-6.12-dt-smmuv3-custom-map").resolve("virt.dtb"));
    Files.write(dir.resolve("machine.json"), mutated("linux-6.12-dt-smmuv3-custom-map", r -> {}));
    Files.write(dir.resolve("virt.dtb"), Arrays.copyOf(dtb, 100));
    e =
        catchThrowableOfType(
            MachineException.class, () -> Machine.load(dir.resolve("machine.json")));
    assertThat(e.errorLine())
        .isEqualTo("{\"error\":\"truncated\",\"format\":\"dtb\",\"offset\":null}\n");
  }

  @Test
  void writeThenParseGivesTheSameDescription() throws Exception {
    for (java.nio.file.Path f : MachineConformanceTest.machines()) {
      MachineDescription d = MachineJson.parse(Files.readAllBytes(f.resolve("machine.json")));
      assertThat(MachineJson.parse(MachineJson.write(d))).isEqualTo(d);
    }
  }

  @Test
  void unknownKeysAreIgnored() throws Exception {
    byte[] json = mutated("linux-6.12-acpi-smmuv3", r -> r.put("comment", "hello"));
    assertThat(MachineJson.parse(json).name()).isEqualTo("linux-6.12-acpi-smmuv3");
  }
}
