package dev.iommufw.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every code example in the docs is code that compiles and runs: each {@code <pre class="snippet">}
 * block, preceded by the comment {@code <!-- snippet FILE#NAME -->}, of the API guide pages must
 * equal the region {@code NAME} of {@code FILE} (a test source), and README.md's Java examples must
 * equal the ones {@link ReadmeExampleTest}, the downstream project {@code examples/first-program}
 * and the testkit's {@code ReadmeTestkitExampleTest} run.
 */
class DocSnippetsTest {
  private static final Path ROOT =
      java.util.Objects.requireNonNull(Path.of("").toAbsolutePath().getParent());
  private static final Pattern SNIPPET =
      Pattern.compile(
          "<!-- snippet ([^#\\s]+)#(\\S+) -->\\s*<pre class=\"snippet\">(.*?)</pre>",
          Pattern.DOTALL);

  @Test
  void everyGuideSnippetEqualsItsCompiledSource() throws IOException {
    Path docs = ROOT.resolve("iommu-core/src/main/java/dev/iommufw/core/doc-files");
    List<String> checked = new ArrayList<>();
    try (Stream<Path> pages = Files.list(docs)) {
      for (Path page : pages.filter(p -> p.toString().endsWith(".html")).sorted().toList()) {
        Matcher m = SNIPPET.matcher(Files.readString(page, StandardCharsets.UTF_8));
        while (m.find()) {
          String source = Files.readString(ROOT.resolve(m.group(1)), StandardCharsets.UTF_8);
          assertThat(normalise(unescapeHtml(m.group(3))))
              .as("%s: snippet %s of %s", page.getFileName(), m.group(2), m.group(1))
              .isEqualTo(normalise(region(source, m.group(2))));
          checked.add(page.getFileName() + ":" + m.group(2));
        }
      }
    }
    assertThat(checked).as("snippets found").hasSizeGreaterThanOrEqualTo(4);
  }

  @Test
  void readmeExamplesEqualTheCodeThatRuns() throws IOException {
    String readme = Files.readString(ROOT.resolve("README.md"), StandardCharsets.UTF_8);
    Matcher block = Pattern.compile("```java\n(.*?)```", Pattern.DOTALL).matcher(readme);
    assertThat(block.find()).isTrue();
    String test =
        Files.readString(
            ROOT.resolve("examples/src/test/java/dev/iommufw/examples/ReadmeExampleTest.java"),
            StandardCharsets.UTF_8);
    String body =
        test.substring(
            test.indexOf('\n', test.indexOf("// README example begins")) + 1,
            test.indexOf("// README example ends"));
    assertThat(normalise(block.group(1))).isEqualTo(normalise(body));

    assertThat(block.find()).as("README's first program").isTrue();
    assertThat(block.group(1))
        .as("README's first program is examples/first-program, which CI builds and runs")
        .isEqualTo(
            Files.readString(
                ROOT.resolve("examples/first-program/src/main/java/com/example/ListIommus.java"),
                StandardCharsets.UTF_8));
    assertThat(block.group(1).lines().count())
        .as("the first program's length in lines")
        .isLessThanOrEqualTo(25);

    assertThat(block.find()).as("README's testkit example").isTrue();
    String testkit =
        Files.readString(
            ROOT.resolve("testkit/src/test/java/dev/iommufw/testkit/ReadmeTestkitExampleTest.java"),
            StandardCharsets.UTF_8);
    assertThat(normalise(block.group(1))).isEqualTo(normalise(region(testkit, "testkit")));
  }

  static String region(String source, String name) {
    String begin = "// region " + name + "\n";
    int start = source.indexOf(begin);
    int end = source.indexOf("// endregion " + name);
    assertThat(start).as("region %s", name).isNotNegative();
    assertThat(end).as("end of region %s", name).isGreaterThan(start);
    String body = source.substring(start + begin.length(), end);
    return body.substring(0, body.lastIndexOf('\n') + 1);
  }

  /** Strips the common indentation and trailing blanks, so layout is all that may differ. */
  static String normalise(String text) {
    List<String> lines = new ArrayList<>(text.lines().map(String::stripTrailing).toList());
    while (!lines.isEmpty() && lines.get(0).isEmpty()) {
      lines.remove(0);
    }
    while (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
      lines.remove(lines.size() - 1);
    }
    int indent =
        lines.stream()
            .filter(l -> !l.isEmpty())
            .mapToInt(l -> l.length() - l.stripLeading().length())
            .min()
            .orElse(0);
    StringBuilder sb = new StringBuilder();
    for (String l : lines) {
      sb.append(l.isEmpty() ? "" : l.substring(indent)).append('\n');
    }
    return sb.toString();
  }

  static String unescapeHtml(String html) {
    return html.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#64;", "@")
        .replace("&amp;", "&");
  }
}
