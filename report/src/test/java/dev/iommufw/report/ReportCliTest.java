package dev.iommufw.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code fwspec-report report}: error lines, causes on standard error, exit codes, batches. */
class ReportCliTest {
  private static final String TRUNCATED =
      "{\"error\":\"truncated\",\"format\":\"dtb\",\"offset\":null}\n";
  private static final String NOT_FIRMWARE =
      "{\"error\":\"bad-signature\",\"format\":null,\"offset\":null}\n";

  @TempDir Path dir;

  private Path truncatedDtb() throws Exception {
    Path trunc = dir.resolve("trunc.dtb");
    Files.write(trunc, Arrays.copyOf(Files.readAllBytes(Cli.goodDtb()), 100));
    return trunc;
  }

  @Test
  void truncatedDtbKeepsItsErrorLineAndNamesFileCauseAndOffsetOnStderr() throws Exception {
    Path trunc = truncatedDtb();

    Cli.Run r = Cli.run("report", trunc.toString());

    assertThat(r.out()).isEqualTo(TRUNCATED);
    assertThat(r.errLines())
        .containsExactly(
            "fwspec-report: "
                + trunc
                + ": truncated: totalsize 1048576 > blob size 100 (at byte offset 4)");
    assertThat(r.status()).isEqualTo(ExitStatus.BAD_INPUT);
  }

  @Test
  void emptyFileIsBadSignatureWithItsCause() throws Exception {
    Path empty = Files.createFile(dir.resolve("empty.dtb"));

    Cli.Run r = Cli.run("report", empty.toString());

    assertThat(r.out()).isEqualTo(NOT_FIRMWARE);
    assertThat(r.errLines())
        .containsExactly(
            "fwspec-report: " + empty + ": bad-signature: empty file, not a DTB, IORT or VIOT");
    assertThat(r.status()).isEqualTo(1);
  }

  @Test
  void missingFileIsAnIoErrorWithNoStdoutLineAndExitTwo() {
    Path missing = dir.resolve("nonexistent.dtb");

    Cli.Run r = Cli.run("report", missing.toString());

    assertThat(r.out()).isEmpty();
    assertThat(r.errLines())
        .containsExactly(
            "fwspec-report: " + missing + ": io-error: cannot read: no such file or directory");
    assertThat(r.status()).isEqualTo(ExitStatus.USAGE_OR_IO);
  }

  @Test
  void oneFileOutputIsTheBareReportAsBefore() throws Exception {
    Path good = Cli.goodDtb();
    java.io.ByteArrayOutputStream expected = new java.io.ByteArrayOutputStream();
    Reports.writeReport(Files.readAllBytes(good), expected);

    Cli.Run r = Cli.run("report", good.toString());

    assertThat(r.out()).isEqualTo(expected.toString(java.nio.charset.StandardCharsets.US_ASCII));
    assertThat(r.err()).isEmpty();
    assertThat(r.status()).isZero();
  }

  @Test
  void severalFilesEachGetAFileHeaderAndTheWorstStatusWins() throws Exception {
    Path good = Cli.goodDtb();
    Path trunc = truncatedDtb();
    Path missing = dir.resolve("missing.dtb");

    Cli.Run r = Cli.run("report", trunc.toString(), good.toString(), missing.toString());

    List<String> lines = r.out().lines().toList();
    assertThat(lines.get(0)).isEqualTo("{\"file\":\"" + trunc + "\"}");
    assertThat(lines.get(1) + "\n").isEqualTo(TRUNCATED);
    assertThat(lines.get(2)).isEqualTo("{\"file\":\"" + good + "\"}");
    assertThat(lines.get(3)).startsWith("{\"kind\":\"dtb\"");
    assertThat(lines.get(lines.size() - 1)).isEqualTo("{\"file\":\"" + missing + "\"}");
    assertThat(lines.stream().filter(l -> l.startsWith("{\"file\":"))).hasSize(3);
    assertThat(r.errLines()).hasSize(2);
    assertThat(r.status()).isEqualTo(ExitStatus.USAGE_OR_IO);
  }

  @Test
  void fileHeaderEscapesQuotesAndNonAsciiInThePath() {
    assertThat(FileHeader.json("a\"b\\c\u00e9.dtb"))
        .isEqualTo("{\"file\":\"a\\\"b\\\\c\\u00e9.dtb\"}\n");
  }

  @Test
  void outputDirWritesOneReportPerFileAndEndsWithASummaryLine() throws Exception {
    Path out = dir.resolve("out");
    Path trunc = truncatedDtb();

    Cli.Run r =
        Cli.run(
            "report", "--output-dir", out.toString(), Cli.goodDtb().toString(), trunc.toString());

    assertThat(Files.readString(out.resolve("trunc.dtb.jsonl"))).isEqualTo(TRUNCATED);
    assertThat(out.resolve("qemu-virt-smmuv3-bypass.dtb.jsonl")).isNotEmptyFile();
    assertThat(r.out())
        .matches(
            "fwspec-report: 2 files into "
                + java.util.regex.Pattern.quote(out.toString())
                + ": 1 reported, 1 malformed, 0 unreadable or unwritable, 0 internal"
                + " errors, [0-9]+\\.[0-9]{2} s\n");
    assertThat(r.errLines())
        .containsExactly(
            "fwspec-report: "
                + trunc
                + ": truncated: totalsize 1048576 > blob size 100 (at byte offset 4)");
    assertThat(r.status()).isEqualTo(1);
  }

  @Test
  void outputDirWithoutFilesIsAUsageErrorAndCreatesNothing() {
    Path out = dir.resolve("never");

    Cli.Run r = Cli.run("report", "--output-dir", out.toString());

    assertThat(r.status()).isEqualTo(ExitStatus.USAGE_OR_IO);
    assertThat(r.err()).startsWith("fwspec-report: Missing required parameter: 'FILE'");
    assertThat(out).doesNotExist();
  }

  @Test
  void formatIsNotAnOptionOfReport() throws Exception {
    Cli.Run r = Cli.run("report", "--format", "text", Cli.goodDtb().toString());

    assertThat(r.status()).isEqualTo(ExitStatus.USAGE_OR_IO);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).contains("Unknown option: '--format'");
  }

  @Test
  void aBugInsideTheReporterIsAnInternalErrorNotBadInputAndTheOtherFilesGoOn() throws Exception {
    Path good = Cli.goodDtb();
    Path other = dir.resolve("other.dtb");
    Files.copy(good, other);
    AtomicInteger calls = new AtomicInteger();
    Seams failingFirst =
        new Seams(
            (bytes, out) -> {
              if (calls.getAndIncrement() == 0) {
                throw new IllegalStateException("planted bug");
              }
              return Reports.writeReportOrError(bytes, out);
            },
            m -> m.boot(),
            false,
            0);

    Cli.Run r = Cli.run(failingFirst, "report", good.toString(), other.toString());

    assertThat(r.status()).isEqualTo(ExitStatus.INTERNAL);
    assertThat(r.out())
        .doesNotContain("\"error\"")
        .contains("{\"file\":\"" + other + "\"}\n" + "{\"kind\":\"dtb\"");
    assertThat(r.errLines())
        .containsExactly(
            "fwspec-report: "
                + good
                + ": internal-error: java.lang.IllegalStateException: planted bug (a bug in"
                + " fwspec-report, not bad input; --debug prints the stack trace)");
  }

  @Test
  void debugAddsTheStackTraceOfAnInternalError() throws Exception {
    Seams failing =
        new Seams(
            (bytes, out) -> {
              throw new IllegalStateException("planted bug");
            },
            m -> m.boot(),
            false,
            0);

    Cli.Run r = Cli.run(failing, "report", "--debug", Cli.goodDtb().toString());

    assertThat(r.status()).isEqualTo(3);
    assertThat(r.err()).contains("internal-error").contains("\tat ");
  }

  @Test
  void aLongBatchDrawsAProgressLineOnATerminalAndErasesIt() throws Exception {
    String[] args = new String[Progress.MIN_FILES + 1];
    args[0] = "report";
    for (int i = 1; i < args.length; i++) {
      args[i] = Cli.goodDtb().toString();
    }
    Seams terminal = new Seams(Reports::writeReportOrError, m -> m.boot(), true, 0);

    Cli.Run onTerminal = Cli.run(terminal, args);
    Cli.Run piped = Cli.run(args);

    assertThat(onTerminal.err())
        .contains("\rfwspec-report: [" + Progress.MIN_FILES + "/" + Progress.MIN_FILES + "] ")
        .endsWith("\r")
        .doesNotContain("\n");
    assertThat(piped.err()).isEmpty();
    assertThat(onTerminal.out()).isEqualTo(piped.out());
  }

  @Test
  void theDeprecatedFileListStillWorksWithAWarning() throws Exception {
    Path trunc = truncatedDtb();

    Cli.Run r = Cli.run(trunc.toString());

    assertThat(r.out()).isEqualTo(TRUNCATED);
    assertThat(r.status()).isEqualTo(1);
    assertThat(r.errLines()).hasSize(2);
    assertThat(r.errLines().get(0)).contains("deprecated").contains("fwspec-report report FILE");
  }
}
