package dev.iommufw.benchmarks;

import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.stream.Stream;

/**
 * The visible device tree corpus: every {@code *.dtb} under the directory named by the system
 * property {@code iommufw.dtCorpus}, or else the first that exists of {@code
 * report/src/test/resources/testdata/dt} (the copy in the repository, seen from the root or from a
 * module) and {@code ../shared/testdata/dt}.
 */
public final class DtCorpus {
  private static final String[] CANDIDATES = {
    "report/src/test/resources/testdata/dt",
    "../report/src/test/resources/testdata/dt",
    "../shared/testdata/dt",
    "../../shared/testdata/dt",
  };

  private DtCorpus() {}

  /**
   * The corpus directory.
   *
   * @return the directory
   * @throws IllegalStateException if none is found
   */
  public static Path root() {
    String configured = System.getProperty("iommufw.dtCorpus");
    if (configured != null) {
      return Paths.get(configured);
    }
    for (String candidate : CANDIDATES) {
      Path p = Paths.get(candidate);
      if (Files.isDirectory(p)) {
        return p;
      }
    }
    throw new IllegalStateException(
        "DT corpus not found; set -Diommufw.dtCorpus=DIR (tried from "
            + Paths.get("").toAbsolutePath()
            + ")");
  }

  /**
   * Every blob of the corpus, malformed ones included, sorted by relative path.
   *
   * @return the files
   */
  public static ImmutableList<Path> all() {
    Path root = root();
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.filter(p -> p.toString().endsWith(".dtb"))
          .sorted()
          .collect(ImmutableList.toImmutableList());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The well-formed blobs: {@link #all()} without the {@code malformed/} directory.
   *
   * @return the files
   */
  public static ImmutableList<Path> wellFormed() {
    Path malformed = root().resolve("malformed");
    return all().stream()
        .filter(p -> !p.startsWith(malformed))
        .collect(ImmutableList.toImmutableList());
  }

  /**
   * Reads a file.
   *
   * @param file the file
   * @return its bytes
   * @throws UncheckedIOException if it cannot be read
   */
  public static byte[] read(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
