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
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every {@code .dtb} of the copied device-tree corpus ({@code testdata/dt/}, see its NOTICE.md)
 * must give a report byte-identical to {@code expected/<same path>.jsonl}.
 */
class DtbReportConformanceTest {
  private static Path corpus() throws URISyntaxException {
    URL url =
        Objects.requireNonNull(
            DtbReportConformanceTest.class.getResource("/testdata/dt/README.md"),
            "copied DT corpus on the test classpath");
    return Objects.requireNonNull(Path.of(url.toURI()).getParent());
  }

  private static List<Path> blobs(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      return files
          .filter(p -> p.toString().endsWith(".dtb"))
          .filter(p -> !root.relativize(p).startsWith("expected"))
          .sorted()
          .collect(Collectors.toList());
    }
  }

  @Test
  void corpusIsComplete() throws Exception {
    Path root = corpus();
    List<Path> blobs = blobs(root);
    assertThat(blobs).hasSize(202);
    assertThat(blobs.stream().filter(p -> root.relativize(p).startsWith("malformed"))).hasSize(4);
  }

  @TestFactory
  Stream<DynamicTest> everyBlobMatchesItsExpectedReport() throws Exception {
    Path root = corpus();
    return blobs(root).stream()
        .map(
            blob -> {
              Path rel = root.relativize(blob);
              return DynamicTest.dynamicTest(rel.toString(), () -> check(root, rel));
            });
  }

  private static void check(Path root, Path rel) throws IOException {
    String name = rel.toString();
    Path expectedFile =
        root.resolve("expected").resolve(name.substring(0, name.length() - 4) + ".jsonl");
    byte[] expected = Files.readAllBytes(expectedFile);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    boolean ok = Reports.writeReport(Files.readAllBytes(root.resolve(rel)), out);
    byte[] actual = out.toByteArray();
    boolean malformed = rel.startsWith("malformed");
    assertThat(ok).as("writeReport's result for %s", rel).isEqualTo(!malformed);
    if (!Arrays.equals(actual, expected)) {
      fail(firstDifference(rel, actual, expected));
    }
  }

  private static String firstDifference(Path rel, byte[] actual, byte[] expected) {
    String[] a = new String(actual, StandardCharsets.ISO_8859_1).split("\n", -1);
    String[] e = new String(expected, StandardCharsets.ISO_8859_1).split("\n", -1);
    for (int i = 0; i < Math.max(a.length, e.length); i++) {
      String al = i < a.length ? a[i] : "<missing>";
      String el = i < e.length ? e[i] : "<missing>";
      if (!al.equals(el)) {
        return rel
            + ": first difference at line "
            + (i + 1)
            + "\nexpected: "
            + el
            + "\nactual:   "
            + al;
      }
    }
    return rel + ": outputs differ";
  }
}
