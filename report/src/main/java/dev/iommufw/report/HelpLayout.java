package dev.iommufw.report;

import com.google.common.base.Splitter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.IHelpSectionRenderer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Lays out the tool's help text: descriptions, lists of options, parameters, commands and exit
 * statuses wrapped at word boundaries only (picocli's own layout also breaks inside a word at a
 * hyphen or a dot, which splits names such as machine names and versions).
 */
final class HelpLayout {
  /** The width every help line fits in. */
  static final int WIDTH = 80;

  /** Where the description column of a list starts. */
  private static final int COLUMN = 22;

  private HelpLayout() {}

  static void install(CommandLine cli) {
    cli.setUsageHelpWidth(WIDTH);
    Map<String, IHelpSectionRenderer> sections = cli.getHelpSectionMap();
    sections.put(
        CommandLine.Model.UsageMessageSpec.SECTION_KEY_DESCRIPTION,
        help -> paragraphs(help.commandSpec().usageMessage().description(), 0));
    sections.put(
        CommandLine.Model.UsageMessageSpec.SECTION_KEY_PARAMETER_LIST, HelpLayout::parameters);
    sections.put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_OPTION_LIST, HelpLayout::options);
    sections.put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_COMMAND_LIST, HelpLayout::commands);
    sections.put(
        CommandLine.Model.UsageMessageSpec.SECTION_KEY_EXIT_CODE_LIST, HelpLayout::exitCodes);
    sections.put(
        CommandLine.Model.UsageMessageSpec.SECTION_KEY_FOOTER,
        help -> paragraphs(help.commandSpec().usageMessage().footer(), 0));
    for (CommandLine sub : cli.getSubcommands().values()) {
      install(sub);
    }
  }

  private static String parameters(Help help) {
    StringBuilder b = new StringBuilder();
    for (PositionalParamSpec p : help.commandSpec().positionalParameters()) {
      if (!p.hidden()) {
        String label = p.paramLabel() + (p.arity().max() > 1 ? "..." : "");
        b.append(entry("  " + label, String.join(" ", p.description())));
      }
    }
    return b.toString();
  }

  private static String options(Help help) {
    StringBuilder b = new StringBuilder();
    for (OptionSpec o : help.commandSpec().options()) {
      if (o.hidden()) {
        continue;
      }
      String label = "  " + String.join(", ", o.names());
      if (o.arity().max() > 0) {
        label += o.arity().min() == 0 ? "[=" + o.paramLabel() + "]" : "=" + o.paramLabel();
      }
      b.append(entry(label, String.join(" ", o.description())));
    }
    return b.toString();
  }

  private static String commands(Help help) {
    StringBuilder b = new StringBuilder();
    for (Map.Entry<String, CommandLine> e :
        help.commandSpec().commandLine().getSubcommands().entrySet()) {
      CommandSpec spec = e.getValue().getCommandSpec();
      if (spec.usageMessage().hidden()) {
        continue;
      }
      String[] header = spec.usageMessage().header();
      b.append(entry("  " + e.getKey(), header.length == 0 ? "" : header[0]));
    }
    return b.toString();
  }

  private static String exitCodes(Help help) {
    StringBuilder b = new StringBuilder();
    for (Map.Entry<String, String> e :
        help.commandSpec().usageMessage().exitCodeList().entrySet()) {
      b.append(entry("  " + e.getKey().strip(), e.getValue()));
    }
    return b.toString();
  }

  /** Each string a paragraph, wrapped to {@link #WIDTH} after {@code indent} spaces. */
  private static String paragraphs(String[] texts, int indent) {
    StringBuilder b = new StringBuilder();
    for (String text : texts) {
      for (String line : wrap(text, WIDTH - indent)) {
        b.append(" ".repeat(indent)).append(line).append('\n');
      }
    }
    return b.toString();
  }

  /** A list entry: the label, then its text wrapped in the description column. */
  private static String entry(String label, String text) {
    StringBuilder b = new StringBuilder(label);
    List<String> lines = wrap(text, WIDTH - COLUMN);
    if (label.length() > COLUMN - 2 && !lines.isEmpty()) {
      b.append('\n').append(" ".repeat(COLUMN));
    } else {
      b.append(" ".repeat(COLUMN - label.length()));
    }
    for (int i = 0; i < lines.size(); i++) {
      if (i > 0) {
        b.append(" ".repeat(COLUMN));
      }
      b.append(lines.get(i)).append('\n');
    }
    if (lines.isEmpty()) {
      b.append('\n');
    }
    return b.toString();
  }

  /**
   * Breaks {@code text} into lines of at most {@code width} characters at spaces only. A word
   * longer than the width gets a line of its own rather than being cut.
   */
  static List<String> wrap(String text, int width) {
    List<String> lines = new ArrayList<>();
    StringBuilder line = new StringBuilder();
    for (String word : Splitter.on(' ').omitEmptyStrings().split(text)) {
      if (word.isEmpty()) {
        continue;
      }
      if (line.length() > 0 && line.length() + 1 + word.length() > width) {
        lines.add(line.toString());
        line.setLength(0);
      }
      if (line.length() > 0) {
        line.append(' ');
      }
      line.append(word);
    }
    if (line.length() > 0 || lines.isEmpty()) {
      lines.add(line.toString());
    }
    return lines;
  }
}
