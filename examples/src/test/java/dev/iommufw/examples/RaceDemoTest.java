package dev.iommufw.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** RaceDemo, briefly: its last line has the promised form, and the redesign never failed. */
class RaceDemoTest {
  private static final Pattern LAST =
      Pattern.compile(
          "pre-redesign: (\\d+)/(\\d+) runs failed; redesign: (\\d+)/(\\d+) runs failed");
  private static final Pattern IN_PROBE =
      Pattern.compile(
          "firmware parse in the probe path \\(6\\.15\\+\\): (\\d+)/(\\d+) runs failed");

  @Test
  void lastLineHasTheFormAndTheRedesignNeverFails() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    RaceDemo.run(1_500_000_000L, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
    String last = lines.get(lines.size() - 1);
    Matcher m = LAST.matcher(last);
    assertThat(m.matches()).as(last).isTrue();
    assertThat(Long.parseLong(m.group(2))).isPositive();
    assertThat(m.group(2)).isEqualTo(m.group(4));
    assertThat(m.group(3)).as(String.join("\n", lines)).isEqualTo("0");
    Matcher inProbe = IN_PROBE.matcher(lines.get(lines.size() - 2));
    assertThat(inProbe.matches()).as(lines.get(lines.size() - 2)).isTrue();
    assertThat(inProbe.group(2)).isEqualTo(m.group(2));
    assertThat(inProbe.group(1)).as(String.join("\n", lines)).isEqualTo("0");
  }
}
