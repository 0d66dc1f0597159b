package dev.iommufw.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report tool's machine mode: --machine, --format, --demo and the default run. */
class MachineCommandTest {
  record Run(int status, String out, String err) {}

  static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = FwspecReportTool.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(status, out.toString(StandardCharsets.UTF_8),
        err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void withoutArgumentsTheDemoMachineBootsAndPrintsItsTree() {
    Run r = run();
    assertThat(r.status()).isZero();
    assertThat(r.out()).startsWith("# linux-6.12-acpi-smmuv3 (kernel 6.12, acpi)\n")
        .contains("-[0000:00]-+-00.0  1b36:0008 (no driver) (not DMA-configured)\n")
        .contains("|       +-01.0  1af4:1000 virtio-pci -> smmu3.0x0000000009050000 ids"
            + " 0x308,0x300 group 0000:02:00.0\n")
        .contains("-[0000:80]---00.0-[81]");
    assertThat(run("--demo").out()).isEqualTo(r.out());
  }

  @Test
  void theOtherDemoAndTheOtherFormats() {
    Run text = run("--demo=linux-6.12-dt-smmuv3-custom-map");
    assertThat(text.out()).contains("\\-00.0  8086:10d3 e1000e !! ERANGE ids 0x12000\n")
        .contains("platform:\n  /pl031@9010000  rtc-pl031 -> smmu3.0x0000000009050000 ids 0x42");
    Run jsonl = run("--demo", "--format", "jsonl");
    assertThat(jsonl.out()).startsWith("{\"device\":\"0000:00:00.0\",\"bus\":\"pci\"");
    Run dot = run("--demo", "--format", "dot");
    assertThat(dot.out()).startsWith("digraph \"linux-6.12-acpi-smmuv3\" {\n")
        .contains("subgraph \"cluster_0\"").endsWith("}\n");
    assertThat(run("--demo", "--format", "xml").status()).isEqualTo(2);
    assertThat(run("--demo=nope").status()).isEqualTo(2);
  }

  @Test
  void aMachineFolderGivesItsReport(@TempDir Path dir) throws Exception {
    for (String f : new String[] {"machine.json", "IORT.bin"}) {
      try (var in = MachineCommandTest.class.getResourceAsStream(
          "/dev/iommufw/report/machines/linux-6.12-acpi-smmuv3/" + f)) {
        Files.write(dir.resolve(f), in.readAllBytes());
      }
    }
    Run r = run("--machine", dir.resolve("machine.json").toString());
    assertThat(r.status()).isZero();
    assertThat(r.out()).contains("{\"device\":\"0000:03:01.0\",\"bus\":\"pci\",\"driver\":"
        + "\"virtio-pci\",\"result\":\"ok\",\"iommu\":\"smmu3.0x0000000009050000\",\"ids\":"
        + "[\"0x308\",\"0x300\"],\"errno\":null,\"group\":\"0000:02:00.0\"}\n");
  }

  @Test
  void aBadMachineIsOneLineAndExitOne(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("machine.json"), "{\"format\":\"iommufw-machine/1\"}");
    Run r = run("--machine", dir.resolve("machine.json").toString());
    assertThat(r.status()).isEqualTo(1);
    assertThat(r.out()).isEqualTo("{\"error\":\"bad-machine\",\"format\":\"machine\",\"offset\":null}\n");
    assertThat(r.err()).doesNotContain("Exception");
    Run missing = run("--machine", dir.resolve("none/machine.json").toString());
    assertThat(missing.status()).isEqualTo(1);
    assertThat(run("--machine", dir.resolve("machine.json").toString(), "x.dtb").status())
        .isEqualTo(2);
  }
}
