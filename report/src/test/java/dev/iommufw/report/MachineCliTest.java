package dev.iommufw.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fwspec-report machine} and {@code demo}: each kind of broken machine keeps its error line,
 * names file and cause on standard error and exits with the documented status.
 */
class MachineCliTest {
  private static final String BAD_MACHINE =
      "{\"error\":\"bad-machine\",\"format\":\"machine\",\"offset\":null}\n";
  private static final String DT = "linux-6.12-dt-smmuv3-custom-map";

  @TempDir Path dir;

  private Path machine(String name) throws Exception {
    return Cli.copyMachine(DT, dir.resolve(name));
  }

  private static void edit(Path json, String from, String to) throws Exception {
    String text = Files.readString(json);
    assertThat(text).contains(from);
    Files.writeString(json, text.replaceFirst(java.util.regex.Pattern.quote(from), to));
  }

  @Test
  void aFolderReportsLikeItsMachineJson() throws Exception {
    Path m = machine("m");

    Cli.Run byFolder = Cli.run("machine", m.toString());
    Cli.Run byFile = Cli.run("machine", m.resolve("machine.json").toString());

    assertThat(byFolder.status()).isZero();
    assertThat(byFolder.out()).startsWith("{\"device\":\"0000:00:00.0\"").isEqualTo(byFile.out());
    assertThat(byFolder.err()).isEmpty();
  }

  @Test
  void aBadBdfKeepsTheBadMachineLineAndNamesTheKeyOnStderr() throws Exception {
    Path m = machine("bdf");
    edit(m.resolve("machine.json"), "\"bdf\": \"0000:00:", "\"bdf\": \"0000:0x:");

    Cli.Run r = Cli.run("machine", m.toString());

    assertThat(r.out()).isEqualTo(BAD_MACHINE);
    assertThat(r.errLines())
        .containsExactly(
            "fwspec-report: "
                + m.resolve("machine.json")
                + ": bad-machine: pci[0].bdf: not a BDF SSSS:BB:DD.F");
    assertThat(r.status()).isEqualTo(ExitStatus.BAD_INPUT);
  }

  @Test
  void aMissingFirmwareFileIsABadMachineNamingTheFile() throws Exception {
    Path m = machine("fw");
    Files.delete(m.resolve("virt.dtb"));

    Cli.Run r = Cli.run("machine", m.toString());

    assertThat(r.out()).isEqualTo(BAD_MACHINE);
    assertThat(r.errLines())
        .containsExactly(
            "fwspec-report: "
                + m.resolve("machine.json")
                + ": bad-machine: firmware.files[0]: cannot read "
                + m.resolve("virt.dtb")
                + ": no such file or directory");
    assertThat(r.status()).isEqualTo(1);
  }

  @Test
  void jsonThatIsNotAMachineIsABadMachineNamingTheMissingKey() throws Exception {
    Path m = machine("json");
    Files.writeString(m.resolve("machine.json"), "{\"format\":\"iommufw-machine/1\"}");

    Cli.Run r = Cli.run("machine", m.resolve("machine.json").toString());

    assertThat(r.out()).isEqualTo(BAD_MACHINE);
    assertThat(r.errLines())
        .containsExactly(
            "fwspec-report: " + m.resolve("machine.json") + ": bad-machine: name: missing");
    assertThat(r.status()).isEqualTo(1);
  }

  @Test
  void textThatIsNotJsonIsABadMachineWithTheParserMessageOnOneLine() throws Exception {
    Path m = machine("text");
    Files.writeString(m.resolve("machine.json"), "not json\n");

    Cli.Run r = Cli.run("machine", m.toString());

    assertThat(r.out()).isEqualTo(BAD_MACHINE);
    assertThat(r.errLines())
        .singleElement()
        .asString()
        .startsWith(
            "fwspec-report: "
                + m.resolve("machine.json")
                + ": bad-machine: $: not valid"
                + " JSON: ")
        .contains("line: 1");
    assertThat(r.status()).isEqualTo(1);
  }

  @Test
  void aTruncatedFirmwareFileKeepsItsFirmwareErrorLineAndNamesTheFirmwareFile() throws Exception {
    Path m = machine("trunc");
    Path dtb = m.resolve("virt.dtb");
    Files.write(dtb, Arrays.copyOf(Files.readAllBytes(dtb), 100));

    Cli.Run r = Cli.run("machine", m.toString());

    assertThat(r.out()).isEqualTo("{\"error\":\"truncated\",\"format\":\"dtb\",\"offset\":null}\n");
    assertThat(r.errLines())
        .singleElement()
        .asString()
        .startsWith("fwspec-report: " + dtb + ": truncated: totalsize ")
        .endsWith("> blob size 100 (at byte offset 4)");
    assertThat(r.status()).isEqualTo(1);
  }

  @Test
  void aMissingPathOrAFolderWithoutMachineJsonIsAnIoErrorWithExitTwo() throws Exception {
    Path none = dir.resolve("none");
    Path empty = Files.createDirectories(dir.resolve("empty"));

    Cli.Run r = Cli.run("machine", none.toString());
    Cli.Run e = Cli.run("machine", empty.toString());

    assertThat(r.out()).isEmpty();
    assertThat(r.errLines())
        .containsExactly(
            "fwspec-report: " + none + ": io-error: cannot read: no such file or directory");
    assertThat(r.status()).isEqualTo(ExitStatus.USAGE_OR_IO);
    assertThat(e.errLines())
        .containsExactly(
            "fwspec-report: "
                + empty.resolve("machine.json")
                + ": io-error: cannot read: no such file or directory (a machine folder holds"
                + " machine.json)");
    assertThat(e.status()).isEqualTo(2);
  }

  @Test
  void severalMachinesAreAttributedAndABadOneDoesNotStopTheOthers() throws Exception {
    Path good = machine("good");
    Path bad = machine("bad");
    edit(bad.resolve("machine.json"), "\"bdf\": \"0000:00:", "\"bdf\": \"0000:0x:");
    String alone = Cli.run("machine", good.toString()).out();

    Cli.Run r = Cli.run("machine", bad.toString(), good.toString());

    assertThat(r.out())
        .isEqualTo(
            "{\"file\":\"" + bad + "\"}\n" + BAD_MACHINE + "{\"file\":\"" + good + "\"}\n" + alone);
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.status()).isEqualTo(1);
  }

  @Test
  void textAndDotHeadersAreCommentsOfTheirFormat() throws Exception {
    Path a = machine("a");
    Path b = machine("b");

    Cli.Run text = Cli.run("machine", "--format", "text", a.toString(), b.toString());
    Cli.Run dot = Cli.run("machine", "--format=dot", a.toString(), b.toString());

    assertThat(text.out())
        .startsWith("# file: " + a + "\n# " + DT + " (kernel 6.12, dt)\n")
        .contains("\n# file: " + b + "\n");
    assertThat(dot.out())
        .startsWith("// file: " + a + "\ndigraph ")
        .contains("\n// file: " + b + "\ndigraph ");
    assertThat(Cli.run("machine", "--format", "xml", a.toString()).status()).isEqualTo(2);
  }

  @Test
  void aCrashInsideTheBootIsAnInternalErrorNeverABadMachine() throws Exception {
    Path m = machine("m");
    Seams crashing =
        new Seams(
            Reports::writeReportOrError,
            machine -> {
              throw new IllegalStateException("planted boot bug");
            },
            false,
            0);

    Cli.Run r = Cli.run(crashing, "machine", m.toString());

    assertThat(r.out()).isEmpty();
    assertThat(r.errLines())
        .containsExactly(
            "fwspec-report: "
                + m.resolve("machine.json")
                + ": internal-error: java.lang.IllegalStateException: planted boot bug (a bug in"
                + " fwspec-report, not bad input; --debug prints the stack trace)");
    assertThat(r.status()).isEqualTo(ExitStatus.INTERNAL);
  }

  @Test
  void withoutArgumentsTheDemoMachineBootsAndPrintsItsTree() {
    Cli.Run r = Cli.run();

    assertThat(r.status()).isZero();
    assertThat(r.out())
        .startsWith("# linux-6.12-acpi-smmuv3 (kernel 6.12, acpi)\n")
        .contains("-[0000:00]-+-00.0  1b36:0008 (no driver) (not DMA-configured)\n")
        .contains(
            "|       +-01.0  1af4:1000 virtio-pci -> smmu3.0x0000000009050000 ids"
                + " 0x308,0x300 group 0000:02:00.0\n");
    assertThat(Cli.run("demo").out()).isEqualTo(r.out());
    assertThat(r.err()).isEmpty();
  }

  @Test
  void theOtherDemoAndTheOtherFormats() {
    assertThat(Cli.run("demo", DT).out())
        .contains("\\-00.0  8086:10d3 e1000e !! ERANGE ids 0x12000\n");
    assertThat(Cli.run("demo", "--format", "jsonl").out())
        .startsWith("{\"device\":\"0000:00:00.0\",\"bus\":\"pci\"");
    assertThat(Cli.run("demo", "--format", "dot").out())
        .startsWith("digraph \"linux-6.12-acpi-smmuv3\" {\n")
        .endsWith("}\n");
    Cli.Run nope = Cli.run("demo", "nope");
    assertThat(nope.status()).isEqualTo(2);
    assertThat(nope.err()).contains("no demo machine 'nope'").contains(DT);
  }

  @Test
  void theDeprecatedMachineAndDemoFlagsStillWorkWithAWarning() throws Exception {
    Path m = machine("m");

    Cli.Run legacy = Cli.run("--machine", m.resolve("machine.json").toString());
    Cli.Run legacyDemo = Cli.run("--demo", "--format", "jsonl");

    assertThat(legacy.out()).isEqualTo(Cli.run("machine", m.toString()).out());
    assertThat(legacy.err()).contains("deprecated").contains("fwspec-report machine PATH");
    assertThat(legacyDemo.out()).isEqualTo(Cli.run("demo", "--format", "jsonl").out());
    assertThat(Cli.run("--machine", m.toString(), "x.dtb").status()).isEqualTo(2);
  }
}
