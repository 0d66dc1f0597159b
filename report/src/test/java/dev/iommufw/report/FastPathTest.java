package dev.iommufw.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plain command lines that skip picocli give exactly what picocli's parse gives: the same
 * output, the same causes, the same status; everything else is left to picocli.
 */
class FastPathTest {
  @TempDir Path dir;

  private static Cli.Run viaPicocli(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
    PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
    int status = FwspecReportTool.commandLine(o, e, Seams.production(false), false).execute(args);
    return new Cli.Run(
        status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private List<String[]> commandLines() throws Exception {
    Path good = Cli.copyMachine("linux-6.12-dt-smmuv3-custom-map", dir.resolve("good"));
    Path bad = Cli.copyMachine("linux-6.12-acpi-smmuv3", dir.resolve("bad"));
    Path iort = bad.resolve("IORT.bin");
    Files.write(iort, Arrays.copyOf(Files.readAllBytes(iort), 40));
    Path dtb = Cli.goodDtb();
    String none = dir.resolve("none").toString();
    List<String[]> lines = new ArrayList<>();
    lines.add(new String[] {"machine", good.toString()});
    lines.add(new String[] {"machine", good.toString(), bad.toString(), none});
    lines.add(new String[] {"machine", "--format", "text", good.toString()});
    lines.add(new String[] {"machine", "--format=dot", good.toString(), bad.toString()});
    lines.add(new String[] {"machine", good.toString(), "--format", "jsonl"});
    lines.add(new String[] {"report", dtb.toString()});
    lines.add(new String[] {"report", dtb.toString(), iort.toString(), none});
    lines.add(
        new String[] {
          "report", "--output-dir", dir.resolve("out").toString(), dtb.toString(), iort.toString()
        });
    return lines;
  }

  @Test
  void plainCommandLinesGiveWhatPicocliGives() throws Exception {
    for (String[] args : commandLines()) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      Integer fast =
          FastPath.run(
              args,
              new PrintStream(out, true, StandardCharsets.UTF_8),
              new PrintStream(err, true, StandardCharsets.UTF_8),
              Seams.production(false));
      Cli.Run picocli = viaPicocli(args);

      assertThat(fast).as("fast path taken for %s", List.of(args)).isNotNull();
      String fastOut = out.toString(StandardCharsets.UTF_8);
      assertThat(fastOut.replaceAll("[0-9]+\\.[0-9]{2} s\n", "T s\n"))
          .as("%s", List.of(args))
          .isEqualTo(picocli.out().replaceAll("[0-9]+\\.[0-9]{2} s\n", "T s\n"));
      assertThat(err.toString(StandardCharsets.UTF_8))
          .as("%s", List.of(args))
          .isEqualTo(picocli.err());
      assertThat(fast).as("%s", List.of(args)).isEqualTo(picocli.status());
    }
  }

  @Test
  void everythingElseIsLeftToPicocli() throws Exception {
    String p = dir.toString();
    String[][] others = {
      {},
      {"machine"},
      {"report"},
      {"demo"},
      {"machine", "--help"},
      {"machine", "--debug", p},
      {"machine", "--format", "xml", p},
      {"machine", "--format", "text", "--format", "dot", p},
      {"machine", "--format"},
      {"machine", "@args.txt"},
      {"machine", "-", p},
      {"report", "--format", "text", p},
      {"report", "--output-dir", p},
      {p},
      {"--machine", p},
    };
    for (String[] args : others) {
      assertThat(FastPath.run(args, System.out, System.err, Seams.production(false)))
          .as("%s", List.of(args))
          .isNull();
    }
  }
}
