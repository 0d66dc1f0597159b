package dev.iommufw.machine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every machine of the copied corpus boots to its real kernel's report, byte for byte. */
class MachineConformanceTest {
  static Path corpus() throws URISyntaxException {
    return Path.of(
            Objects.requireNonNull(MachineConformanceTest.class.getResource("/machines/NOTICE.md"))
                .toURI())
        .resolveSibling(".");
  }

  static List<Path> machines() throws IOException, URISyntaxException {
    try (Stream<Path> s = Files.list(corpus())) {
      return s.filter(p -> Files.isRegularFile(p.resolve("machine.json"))).sorted().toList();
    }
  }

  @ParameterizedTest
  @MethodSource("machines")
  void bootsToTheExpectedReport(Path folder) throws Exception {
    Machine machine = Machine.load(folder.resolve("machine.json"));
    String expected =
        new String(Files.readAllBytes(folder.resolve("expected.jsonl")), StandardCharsets.UTF_8);
    assertThat(MachineReport.jsonl(machine.boot())).isEqualTo(expected);
  }
}
