package dev.iommufw.report;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Jazzer fuzz target for the report tool's whole path from file bytes to output lines, {@link
 * Reports#writeReport}.
 *
 * <p>Property: for any bytes the call returns normally; on {@code false} the output is exactly one
 * line, a JSON object whose first field is {@code error}; on {@code true} the output is one or more
 * lines, each a JSON object. Any throwable, or an input past Jazzer's per-input time limit, is a
 * finding.
 *
 * <p>Under plain {@code mvn verify} this replays {@code
 * src/test/resources/dev/iommufw/report/ReportFuzzTestInputs/writeReport/}. To fuzz for a chosen
 * time (default 2 minutes; the JVM uses about 2 GB), with inputs capped at 4 KiB for speed:
 *
 * <pre>JAZZER_FUZZ=1 JAZZER_MAX_DURATION=10m mvn -pl report test -Dtest=ReportFuzzTest \
 *     -Djazzer.internal.arg.0=fuzz -Djazzer.internal.arg.1=-max_len=4096</pre>
 *
 * A finding is saved as {@code crash-*} in the inputs directory and replays from then on.
 */
class ReportFuzzTest {
  private static final JsonFactory JSON = new JsonFactory();

  @FuzzTest(maxDuration = "2m")
  void writeReport(byte[] file) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    boolean report = Reports.writeReport(file, out);
    String text = out.toString(StandardCharsets.UTF_8);
    if (text.isEmpty() || text.charAt(text.length() - 1) != '\n') {
      throw new AssertionError("output does not end a line: " + text);
    }
    String[] lines = text.substring(0, text.length() - 1).split("\n", -1);
    if (!report) {
      if (lines.length != 1) {
        throw new AssertionError("error output of " + lines.length + " lines: " + text);
      }
      if (!lines[0].startsWith("{\"error\":")) {
        throw new AssertionError("not an error line: " + lines[0]);
      }
    }
    for (String line : lines) {
      checkJsonObject(line);
    }
  }

  private static void checkJsonObject(String line) throws IOException {
    try (JsonParser p = JSON.createParser(line)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new AssertionError("not a JSON object: " + line);
      }
      p.skipChildren();
      if (p.nextToken() != null) {
        throw new AssertionError("trailing data: " + line);
      }
    }
  }
}
