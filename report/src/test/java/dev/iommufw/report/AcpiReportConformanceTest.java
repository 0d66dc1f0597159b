package dev.iommufw.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every table of the ACPI corpus ({@code testdata/acpi/**}.bin, good and malformed) must give
 * exactly the expected report bytes ({@code expected/<same path>.jsonl}).
 */
class AcpiReportConformanceTest {
  private static Path corpus() throws URISyntaxException {
    URL url = AcpiReportConformanceTest.class.getResource("/testdata/acpi");
    assertThat(url).as("ACPI corpus on the test classpath").isNotNull();
    return Paths.get(url.toURI());
  }

  private static List<Path> tables() throws IOException, URISyntaxException {
    Path root = corpus();
    try (Stream<Path> files = Files.walk(root)) {
      return files
          .filter(p -> p.toString().endsWith(".bin"))
          .filter(p -> !root.relativize(p).startsWith("expected"))
          .sorted()
          .collect(Collectors.toList());
    }
  }

  @Test
  void corpusIsComplete() throws Exception {
    assertThat(tables()).hasSize(22);
  }

  @TestFactory
  Stream<DynamicTest> everyTableMatchesItsExpectedReport() throws Exception {
    Path root = corpus();
    return tables().stream()
        .map(
            bin -> {
              String rel = root.relativize(bin).toString();
              return DynamicTest.dynamicTest(rel, () -> check(root, rel, bin));
            });
  }

  private static void check(Path root, String rel, Path bin) throws IOException {
    Path expectedPath = root.resolve("expected").resolve(rel.replaceAll("\\.bin$", ".jsonl"));
    byte[] expected = Files.readAllBytes(expectedPath);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    boolean ok = Reports.writeReport(Files.readAllBytes(bin), out);
    byte[] actual = out.toByteArray();
    if (!java.util.Arrays.equals(actual, expected)) {
      fail(rel + ": " + firstDifference(expected, actual));
    }
    boolean isError = new String(expected, StandardCharsets.US_ASCII).startsWith("{\"error\":");
    assertThat(ok).as("writeReport's verdict for %s", rel).isEqualTo(!isError);
    if (rel.startsWith("malformed")) {
      assertThat(isError).as("malformed files give an error line").isTrue();
      assertThat(actual).as("exactly one line").containsOnlyOnce((byte) '\n');
    }
  }

  private static String firstDifference(byte[] expected, byte[] actual) {
    String[] e = new String(expected, StandardCharsets.ISO_8859_1).split("\n", -1);
    String[] a = new String(actual, StandardCharsets.ISO_8859_1).split("\n", -1);
    for (int i = 0; i < Math.max(e.length, a.length); i++) {
      String el = i < e.length ? e[i] : "<no line>";
      String al = i < a.length ? a[i] : "<no line>";
      if (!el.equals(al)) {
        return "first differing line " + (i + 1) + "\n  expected: " + el + "\n  actual:   " + al;
      }
    }
    return "outputs differ";
  }
}
