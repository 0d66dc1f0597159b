package dev.iommufw.kerneldiff;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ObserverTest {
  @TempDir Path tmp;

  /**
   * The captured console logs of two of the shipped machines' topologies, booted again on the same
   * Debian kernel, read back to exactly the shipped machine.json and expected.jsonl.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "linux-6.18-dt-smmuv3",
        "linux-6.18-acpi-smmuv3-switch",
        "linux-6.12-dt-smmuv3",
        "linux-6.12-dt-viommu"
      })
  void capturedLogOfAShippedTopologyReadsBackToTheShippedMachineAndReport(String name)
      throws Exception {
    ConsoleLog log = ConsoleLog.parse(Resources.text("logs/" + name + ".console.log"));

    Observer.write(Observer.observe(log, kernelOf(name), name), tmp);

    assertThat(Files.readString(tmp.resolve("expected.jsonl"), StandardCharsets.US_ASCII))
        .isEqualTo(Resources.text("shipped/" + name + "/expected.jsonl"));
    ObjectMapper m = new ObjectMapper();
    JsonNode observed = m.readTree(tmp.resolve("machine.json").toFile());
    JsonNode shipped = m.readTree(Resources.bytes("shipped/" + name + "/machine.json"));
    assertThat(observed).isEqualTo(shipped);
    assertThat(Files.readString(tmp.resolve("machine.json")))
        .isEqualTo(Resources.text("shipped/" + name + "/machine.json"));
  }

  private static String kernelOf(String name) {
    return name.split("-", -1)[1];
  }

  @ParameterizedTest
  @ValueSource(strings = {"linux-6.12-dt-smmuv3", "linux-6.12-dt-viommu"})
  void onLinux612TheLibraryPredictsExactlyWhatTheKernelDid(String name) throws Exception {
    ConsoleLog log = ConsoleLog.parse(Resources.text("logs/" + name + ".console.log"));
    Observer.write(Observer.observe(log, kernelOf(name), name), tmp);

    assertThat(KernelDiff.diffAgainstLibrary(tmp)).isEmpty();
    assertThat(Files.readString(tmp.resolve("predicted.jsonl")))
        .isEqualTo(Files.readString(tmp.resolve("expected.jsonl")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"linux-6.12-dt-smmuv3"})
  void beforeLinux615AFunctionWithoutDriverThatIsNoBridgeIsUnprobed(String name) throws Exception {
    ConsoleLog log = ConsoleLog.parse(Resources.text("logs/" + name + ".console.log"));

    Observer.Observation o = Observer.observe(log, kernelOf(name), name);

    assertThat(o.report())
        .filteredOn(d -> d.device().equals("0000:03:02.0"))
        .singleElement()
        .extracting(DeviceResult::result)
        .isEqualTo("unprobed");
  }

  @ParameterizedTest
  @ValueSource(strings = {"linux-6.18-acpi-smmuv3-switch"})
  void acpiBootWritesTheIortTheKernelRead(String name) throws Exception {
    ConsoleLog log = ConsoleLog.parse(Resources.text("logs/" + name + ".console.log"));

    Observer.write(Observer.observe(log, "6.18", name), tmp);

    assertThat(Files.readAllBytes(tmp.resolve("IORT.bin")))
        .isEqualTo(Resources.bytes("shipped/" + name + "/IORT.bin"));
    assertThat(tmp.resolve("virt.dtb")).doesNotExist();
  }

  @ParameterizedTest
  @ValueSource(strings = {"linux-6.18-dt-smmuv3"})
  void dtBootWritesTheDtbTheKernelRead(String name) throws Exception {
    ConsoleLog log = ConsoleLog.parse(Resources.text("logs/" + name + ".console.log"));

    Observer.write(Observer.observe(log, "6.18", name), tmp);

    byte[] dtb = Files.readAllBytes(tmp.resolve("virt.dtb"));
    assertThat(dtb).startsWith((byte) 0xd0, (byte) 0x0d, (byte) 0xfe, (byte) 0xed);
    assertThat(new String(dtb, StandardCharsets.ISO_8859_1)).contains("kprobe_event=");
  }
}
