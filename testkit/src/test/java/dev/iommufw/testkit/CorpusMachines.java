package dev.iommufw.testkit;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real-boot machine corpus. Its one copy lives with the module that checks it byte for byte
 * ({@code machine/src/test/resources/machines}, with its provenance NOTICE.md); the testkit's
 * properties read that copy from the source tree rather than keeping a second one.
 */
public final class CorpusMachines {
  private CorpusMachines() {}

  /** The corpus folder: one sub-folder per machine, each with {@code machine.json}. */
  public static Path dir() {
    for (String candidate :
        new String[] {
          "../machine/src/test/resources/machines", "machine/src/test/resources/machines"
        }) {
      Path p = Path.of(candidate);
      if (Files.isRegularFile(p.resolve("NOTICE.md"))) {
        return p.toAbsolutePath().normalize();
      }
    }
    throw new IllegalStateException(
        "machine corpus not found: run the tests from the testkit module or the repository root");
  }
}
