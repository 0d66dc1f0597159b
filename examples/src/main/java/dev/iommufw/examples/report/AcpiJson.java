package dev.iommufw.examples.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Byte-string fields of the ACPI reports, escaped exactly as {@code fwspec-report.md} §1 says:
 * 0x20–0x7E as themselves except {@code "} and {@code \} (written {@code \"} and {@code \\}),
 * every other byte as {@code \}{@code u00xx} in lowercase hex.
 *
 * <p>Written as a raw value so the result does not depend on the generator's escape table (at
 * the time of writing, {@link JsonLines}' table wrote {@code \} as {@code \}{@code u005C}).
 */
final class AcpiJson {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private AcpiJson() {}

  static String quote(byte[] value) {
    StringBuilder sb = new StringBuilder(value.length + 2).append('"');
    for (byte b : value) {
      int c = b & 0xff;
      if (c == '"' || c == '\\') {
        sb.append('\\').append((char) c);
      } else if (c >= 0x20 && c <= 0x7e) {
        sb.append((char) c);
      } else {
        sb.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xf]);
      }
    }
    return sb.append('"').toString();
  }

  static void bytes(JsonLines out, String name, byte[] value) {
    try {
      out.generator().writeFieldName(name);
      out.generator().writeRawValue(quote(value));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void latin1(JsonLines out, String name, String value) {
    bytes(out, name, value.getBytes(StandardCharsets.ISO_8859_1));
  }
}
