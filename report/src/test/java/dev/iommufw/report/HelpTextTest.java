package dev.iommufw.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/** The help of the tool and of each command: wrapped at spaces only, exit codes documented. */
class HelpTextTest {
  private static final List<String> COMMANDS = List.of("", "report", "machine", "demo");

  private static String help(String command) {
    Cli.Run r = command.isEmpty() ? Cli.run("--help") : Cli.run(command, "--help");
    assertThat(r.status()).isZero();
    assertThat(r.err()).isEmpty();
    return r.out();
  }

  /** Every prose text the help shows, as written in the command specifications. */
  private static List<String> texts(CommandSpec spec) {
    List<String> texts = new ArrayList<>(List.of(spec.usageMessage().description()));
    texts.addAll(List.of(spec.usageMessage().footer()));
    texts.addAll(spec.usageMessage().exitCodeList().values());
    for (OptionSpec o : spec.options()) {
      if (!o.hidden()) {
        texts.add(String.join(" ", o.description()));
      }
    }
    for (PositionalParamSpec p : spec.positionalParameters()) {
      if (!p.hidden()) {
        texts.add(String.join(" ", p.description()));
      }
    }
    return texts;
  }

  private static String collapsed(String text) {
    return text.replaceAll("\\s+", " ").strip();
  }

  @Test
  void everyTextSurvivesWrappingWithItsWordsWhole() {
    CommandLine cli =
        FwspecReportTool.commandLine(System.out, System.err, Seams.production(false), false);
    for (String command : COMMANDS) {
      CommandSpec spec =
          command.isEmpty()
              ? cli.getCommandSpec()
              : java.util.Objects.requireNonNull(cli.getSubcommands().get(command))
                  .getCommandSpec();
      // A break inside a word ("linux-6.\n12") would show up as a space in the collapsed help.
      String shown = collapsed(help(command));
      for (String text : texts(spec)) {
        if (!text.isBlank()) {
          assertThat(shown).as("help of '%s'", command).contains(collapsed(text));
        }
      }
    }
  }

  @Test
  void everyLineFitsTheWidth() {
    for (String command : COMMANDS) {
      for (String line : help(command).lines().toList()) {
        assertThat(line.length()).as(line).isLessThanOrEqualTo(HelpLayout.WIDTH);
      }
    }
  }

  @Test
  void theLongDemoNameIsNotCutEvenWhereItWouldCrossTheMargin() {
    String text = "x".repeat(50) + " linux-6.12-dt-smmuv3-custom-map and more words";
    assertThat(HelpLayout.wrap(text, 60))
        .containsExactly("x".repeat(50), "linux-6.12-dt-smmuv3-custom-map and more words");
  }

  @Test
  void theExitCodesAreDocumentedInEveryHelp() {
    for (String command : COMMANDS) {
      assertThat(help(command))
          .as(command)
          .contains("Exit status")
          .containsPattern("\n  0 +\\S")
          .containsPattern("\n  3 +internal error");
    }
    assertThat(help(""))
        .containsPattern("\n  1 +an input was malformed")
        .containsPattern("\n  2 +usage error, or a file could not be read or written")
        .contains("Deprecated since 0.2");
  }
}
