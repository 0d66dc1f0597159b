package dev.iommufw.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Reports on the DTB edge cases found by comparing the reader with libfdt ({@code dtb-libfdt/}, see
 * its NOTICE.md): each {@code .dtb} gives exactly {@code expected/<same path>.jsonl}, an error line
 * for the files under {@code malformed/}.
 */
class DtbLibfdtEdgeReportTest {
  private static Path root() throws URISyntaxException {
    URL url =
        Objects.requireNonNull(
            DtbLibfdtEdgeReportTest.class.getResource("/dtb-libfdt/NOTICE.md"), "dtb-libfdt/");
    return Objects.requireNonNull(Path.of(url.toURI()).getParent());
  }

  private static List<Path> blobs(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      return files
          .filter(p -> p.toString().endsWith(".dtb"))
          .map(root::relativize)
          .sorted()
          .toList();
    }
  }

  @Test
  void everyEdgeCaseIsPresent() throws Exception {
    assertThat(blobs(root()).stream().map(Path::toString))
        .containsExactlyInAnyOrder(
            "malformed/empty-child-name.dtb",
            "malformed/v16-claims-v17.dtb",
            "malformed/v3-dtc.dtb",
            "nop-after-root.dtb",
            "malformed/rsvmap-misaligned.dtb",
            "malformed/rsvmap-size0-terminator.dtb",
            "malformed/struct-misaligned.dtb");
  }

  @TestFactory
  Stream<DynamicTest> everyEdgeCaseGivesItsExpectedReport() throws Exception {
    Path root = root();
    return blobs(root).stream()
        .map(
            rel ->
                DynamicTest.dynamicTest(
                    rel.toString(),
                    () -> {
                      String name = rel.toString();
                      String expected =
                          Files.readString(
                              root.resolve("expected")
                                  .resolve(name.substring(0, name.length() - 4) + ".jsonl"),
                              StandardCharsets.US_ASCII);
                      ByteArrayOutputStream out = new ByteArrayOutputStream();
                      boolean ok = Reports.writeReport(Files.readAllBytes(root.resolve(rel)), out);
                      assertThat(out.toString(StandardCharsets.US_ASCII)).isEqualTo(expected);
                      assertThat(ok).isEqualTo(!rel.startsWith("malformed"));
                    }));
  }
}
