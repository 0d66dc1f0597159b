package dev.iommufw.machine;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Jazzer fuzz target for the machine loader (issue 12): {@link MachineJson#parse}, {@link
 * Machine#of}, {@link Machine#boot()} and {@link MachineReport#bytes}.
 *
 * <p>Input: the first byte picks the firmware files of one corpus machine (the blob or tables stay
 * intact, so the fuzzer works on the description); the rest is {@code machine.json}. Property: a
 * report, or {@link MachineException}; any other throwable, or an input past Jazzer's per-input
 * time limit, is a finding.
 *
 * <p>Under plain {@code mvn verify} this replays {@code
 * src/test/resources/dev/iommufw/machine/MachineFuzzTestInputs/load/}. To fuzz for a chosen time
 * (default 2 minutes; the JVM uses about 2 GB), with inputs capped at 4 KiB for speed:
 *
 * <pre>JAZZER_FUZZ=1 JAZZER_MAX_DURATION=10m mvn -pl machine test -Dtest=MachineFuzzTest \
 *     -Djazzer.internal.arg.0=fuzz -Djazzer.internal.arg.1=-max_len=4096</pre>
 *
 * A finding is saved as {@code crash-*} in the inputs directory and replays from then on.
 */
class MachineFuzzTest {
  /** The corpus machines, in the order of the seeds' first byte. */
  static final List<String> MACHINES =
      List.of(
          "linux-6.1-dt-viommu",
          "linux-6.12-acpi-smmuv3",
          "linux-6.12-acpi-smmuv3-switch",
          "linux-6.12-dt-smmuv3",
          "linux-6.12-dt-smmuv3-custom-map",
          "linux-6.12-dt-smmuv3-mf",
          "linux-6.12-dt-viommu");

  private static final List<Map<String, byte[]>> FILES = loadFiles();

  private static List<Map<String, byte[]>> loadFiles() {
    return MACHINES.stream()
        .map(
            m -> {
              Map<String, byte[]> files = new HashMap<>();
              for (String f : List.of("virt.dtb", "IORT.bin", "VIOT.bin")) {
                byte[] b = resource("/machines/" + m + "/" + f);
                if (b != null) {
                  files.put(f, b);
                }
              }
              return Map.copyOf(files);
            })
        .toList();
  }

  private static byte @Nullable [] resource(String path) {
    try (InputStream in = MachineFuzzTest.class.getResourceAsStream(path)) {
      return in == null ? null : in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @FuzzTest(maxDuration = "2m")
  void load(byte[] input) {
    if (input.length == 0) {
      return;
    }
    Map<String, byte[]> files = FILES.get((input[0] & 0xff) % FILES.size());
    byte[] json = Arrays.copyOfRange(input, 1, input.length);
    Machine machine;
    try {
      machine = Machine.of(MachineJson.parse(json), files);
    } catch (MachineException expected) {
      return;
    }
    byte[] unused = MachineReport.bytes(machine.boot());
  }
}
