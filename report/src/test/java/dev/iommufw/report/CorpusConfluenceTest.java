package dev.iommufw.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iommufw.core.testing.Tries;
import dev.iommufw.machine.FirmwareMachines;
import dev.iommufw.machine.Machine;
import dev.iommufw.machine.MachineException;
import dev.iommufw.testkit.BootSchedule;
import dev.iommufw.testkit.Generators;
import dev.iommufw.testkit.MachineHarness;
import dev.iommufw.testkit.RandomSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Confluence over every firmware file of the DT and ACPI corpus (copied under {@code
 * src/test/resources/testdata}): each file becomes a machine ({@link FirmwareMachines} documents
 * how), and random permutations of its boot events, sequential and on 2–3 threads, end in the
 * reference boot's state with every harness invariant holding. Malformed files must fail to load
 * with a {@link MachineException}. Tries per file scale with {@code -Diommufw.tries=N}.
 */
class CorpusConfluenceTest {
  static List<Path> files() throws Exception {
    Path root =
        Path.of(
                Objects.requireNonNull(
                        CorpusConfluenceTest.class.getResource("/testdata/dt/NOTICE.md"))
                    .toURI())
            .resolveSibling("..")
            .normalize();
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(p -> p.toString().endsWith(".dtb") || p.toString().endsWith(".bin"))
          .sorted()
          .toList();
    }
  }

  @ParameterizedTest
  @MethodSource("files")
  void anyOrderReachesTheReferenceState(Path file) throws Exception {
    byte[] bytes = Files.readAllBytes(file);
    Machine machine;
    try {
      machine =
          file.toString().endsWith(".dtb")
              ? FirmwareMachines.fromDtb(bytes)
              : FirmwareMachines.fromAcpiTable(bytes);
    } catch (MachineException e) {
      assertThat(file.toString()).contains("malformed");
      return;
    }
    MachineHarness h = MachineHarness.of(machine);
    RandomSource r = RandomSource.of(new SplittableRandom(file.getFileName().hashCode()));
    int tries = Tries.scaled(4);
    for (int i = 0; i < tries; i++) {
      BootSchedule s = Generators.concurrentSchedule(r, machine, 3, 1 + i % 3);
      assertThat(h.problems(h.run(s))).as("%s\n%s", file.getFileName(), s).isEmpty();
    }
  }
}
