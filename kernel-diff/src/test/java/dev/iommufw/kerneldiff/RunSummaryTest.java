package dev.iommufw.kerneldiff;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunSummaryTest {
  @TempDir Path run;

  private void boot(String topology, int n, String log, String seconds) throws Exception {
    Path dir = run.resolve(topology).resolve("boot-" + n);
    Observer.write(
        Observer.observe(
            ConsoleLog.parse(Resources.text("logs/" + log + ".console.log")),
            "6.12",
            "linux-6.12-" + topology),
        dir);
    Files.writeString(dir.resolve("seconds"), seconds + "\n");
  }

  @Test
  void twoEqualBootsAreStableAndComparedWithTheLibrary() throws Exception {
    boot("dt-smmuv3", 1, "linux-6.12-dt-smmuv3", "20.0");
    boot("dt-smmuv3", 2, "linux-6.12-dt-smmuv3", "30.0");

    RunSummary s = RunSummary.of(run, true);

    assertThat(s.lines()).containsExactly("dt-smmuv3: agrees");
    assertThat(s.counts())
        .startsWith(
            "kernel 6.12: 1 topologies, 1 booted, 1 stable, 1 agree with the library, 0 differ")
        .contains("min 20.0 s")
        .contains("max 30.0 s")
        .endsWith("0 flaky");
    assertThat(run.resolve("dt-smmuv3/boot-1/predicted.jsonl")).exists();
  }

  @Test
  void twoBootsThatDisagreeAreFlakyAndNotComparedWithTheLibrary() throws Exception {
    boot("t", 1, "linux-6.12-dt-smmuv3", "20.0");
    boot("t", 2, "linux-6.12-dt-viommu", "20.0");

    RunSummary s = RunSummary.of(run, true);

    assertThat(s.lines().get(0)).startsWith("t: FLAKY");
    assertThat(s.lines()).anyMatch(l -> l.startsWith("  0000:00:01.0: boot-1 ok"));
    assertThat(s.lines()).contains("  machine.json differs between the boots");
    assertThat(s.counts()).contains("0 stable").endsWith("1 flaky");
    assertThat(run.resolve("t/boot-1/predicted.jsonl")).doesNotExist();
  }

  @Test
  void fromLinux615BootsThatDifferOnlyInBindOrderAreStable() throws Exception {
    for (int n = 1; n <= 2; n++) {
      Path dir = run.resolve("t").resolve("boot-" + n);
      Observer.write(
          Observer.observe(
              ConsoleLog.parse(Resources.text("logs/linux-6.18-dt-smmuv3.console.log")),
              "6.18",
              "linux-6.18-t"),
          dir);
    }
    Path m2 = run.resolve("t/boot-2/machine.json");
    Files.writeString(
        m2,
        Files.readString(m2)
            .replace(
                "\"0000:00:01.0\",\n    \"0000:00:02.0\"",
                "\"0000:00:02.0\",\n    \"0000:00:01.0\""));
    assertThat(Files.readString(m2))
        .isNotEqualTo(Files.readString(run.resolve("t/boot-1/machine.json")));

    RunSummary s = RunSummary.of(run, true);

    // stable, not flaky; and since the library models 6.15+, it agrees with this real boot
    assertThat(s.lines().get(0)).startsWith("t: agrees");
    assertThat(s.counts()).contains("1 stable").contains("1 agree").endsWith("0 flaky");
  }

  @Test
  void aBootThatFailedIsCountedAsFailedWithWhereToLook() throws Exception {
    Path b = run.resolve("t/boot-1");
    Files.createDirectories(b);
    Files.writeString(b.resolve("status"), "boot-failed\n");

    RunSummary s = RunSummary.of(run, false);

    assertThat(s.lines().get(0)).isEqualTo("t: FAILED");
    assertThat(s.lines().get(1)).contains("boot-failed").contains("console.log");
    assertThat(s.counts()).contains("1 topologies, 0 booted");
  }
}
