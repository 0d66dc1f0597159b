package dev.iommufw.report;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/** Runs the tool in-process and keeps what it printed; test data helpers. */
final class Cli {
  record Run(int status, String out, String err) {
    List<String> errLines() {
      return err.lines().toList();
    }
  }

  private Cli() {}

  static Run run(String... args) {
    return run(Seams.production(false), args);
  }

  static Run run(Seams seams, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status =
        FwspecReportTool.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            seams);
    return new Run(
        status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** The copied DT corpus (see its NOTICE.md). */
  static Path dtCorpus() throws URISyntaxException {
    URL url = Objects.requireNonNull(Cli.class.getResource("/testdata/dt/README.md"));
    return Objects.requireNonNull(Path.of(url.toURI()).getParent());
  }

  /** A real QEMU blob of the corpus. */
  static Path goodDtb() throws URISyntaxException {
    return dtCorpus().resolve("qemu/qemu-virt-smmuv3-bypass.dtb");
  }

  /** Copies the shipped machine {@code name} (machine.json and firmware) into {@code dir}. */
  static Path copyMachine(String name, Path dir) throws IOException {
    Files.createDirectories(dir);
    String root = "/dev/iommufw/report/machines/" + name + "/";
    for (String f : new String[] {"machine.json", "IORT.bin", "virt.dtb"}) {
      try (InputStream in = Cli.class.getResourceAsStream(root + f)) {
        if (in != null) {
          Files.write(dir.resolve(f), in.readAllBytes());
        }
      }
    }
    return dir;
  }
}
