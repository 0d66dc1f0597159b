package dev.iommufw.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The report's lexical rules (fwspec-report.md §1) as {@link JsonLines} writes them. */
class JsonLinesTest {
  private static String line(byte[] value) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (JsonLines out = new JsonLines(buf)) {
      out.beginLine().bytes("s", value).hex("h", 0xffffffffL).num("n", 16).nul("z").endLine();
    }
    return buf.toString(StandardCharsets.ISO_8859_1);
  }

  @Test
  void quoteAndBackslashGetShortEscapesOnly() {
    assertThat(line("\\_SB_.\"X\"".getBytes(StandardCharsets.ISO_8859_1)))
        .isEqualTo("{\"s\":\"\\\\_SB_.\\\"X\\\"\",\"h\":\"0xffffffff\",\"n\":16,\"z\":null}\n");
  }

  @Test
  void everyOtherByteOutsidePrintableAsciiIsLowercaseUnicodeEscape() {
    byte[] value = {0, '\n', '\t', 0x1f, 0x7f, (byte) 0x80, (byte) 0xff, '/', 'a'};
    assertThat(line(value))
        .startsWith("{\"s\":\"\\u0000\\u000a\\u0009\\u001f\\u007f\\u0080\\u00ff/a\",");
  }

  @Test
  void linesAreSeparatedByNewlineOnly() {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (JsonLines out = new JsonLines(buf)) {
      out.beginLine().num("a", 1).endLine().beginLine().num("b", 2).endLine();
    }
    assertThat(buf.toString(StandardCharsets.US_ASCII)).isEqualTo("{\"a\":1}\n{\"b\":2}\n");
  }
}
