package dev.iommufw.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iommufw.report.FwspecReportTool;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report tool's batch mode ({@code report --output-dir}), which {@code run.sh} times against
 * dtc: it must write exactly the report that the corpus expects, one file per input.
 */
class BatchReportTest {
  @TempDir Path out;

  private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
  private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();

  private int run(List<String> args) {
    return FwspecReportTool.run(
        args.toArray(new String[0]),
        new PrintStream(stdout, true, StandardCharsets.UTF_8),
        new PrintStream(stderr, true, StandardCharsets.UTF_8));
  }

  @Test
  void writesTheExpectedReportOfEveryWellFormedBlob() throws Exception {
    Path root = DtCorpus.root();
    List<String> args = new ArrayList<>(List.of("report", "--output-dir", out.toString()));
    for (Path f : DtCorpus.wellFormed()) {
      args.add(f.toString());
    }

    assertThat(run(args)).isZero();

    assertThat(stdout.toString(StandardCharsets.UTF_8))
        .startsWith("fwspec-report: " + DtCorpus.wellFormed().size() + " files into ")
        .contains(": " + DtCorpus.wellFormed().size() + " reported, 0 malformed,");
    for (Path f : DtCorpus.wellFormed()) {
      String rel = root.relativize(f).toString();
      Path expected = root.resolve("expected").resolve(rel.replaceAll("\\.dtb$", ".jsonl"));
      Path actual = out.resolve(f.getFileName() + ".jsonl");
      assertThat(Files.readString(actual)).as(rel).isEqualTo(Files.readString(expected));
    }
  }

  @Test
  void malformedBlobGetsItsErrorLineAndStatusOne() throws Exception {
    Path bad = DtCorpus.root().resolve("malformed/bad-dtb-magic.dtb");
    Path good = DtCorpus.root().resolve("handmade/hm-multi-iommu.dtb");

    assertThat(
            run(List.of("report", "--output-dir", out.toString(), bad.toString(), good.toString())))
        .isEqualTo(1);

    assertThat(Files.readString(out.resolve("bad-dtb-magic.dtb.jsonl"))).contains("bad-signature");
    assertThat(out.resolve("hm-multi-iommu.dtb.jsonl")).isNotEmptyFile();
  }

  @Test
  void unreadableFileIsStatusTwoAndTheOthersAreStillWritten() {
    Path good = DtCorpus.root().resolve("handmade/hm-multi-iommu.dtb");

    int status =
        run(
            List.of(
                "report",
                "--output-dir",
                out.toString(),
                out.resolve("missing.dtb").toString(),
                good.toString()));

    assertThat(status).isEqualTo(2);
    assertThat(stderr.toString(StandardCharsets.UTF_8)).contains("cannot read");
    assertThat(out.resolve("hm-multi-iommu.dtb.jsonl")).isNotEmptyFile();
  }

  @Test
  void duplicateFileNamesAreRefused() {
    Path good = DtCorpus.root().resolve("handmade/hm-multi-iommu.dtb");

    assertThat(
            run(
                List.of(
                    "report", "--output-dir", out.toString(), good.toString(), good.toString())))
        .isEqualTo(2);
    assertThat(stderr.toString(StandardCharsets.UTF_8)).contains("distinct file names");
  }
}
