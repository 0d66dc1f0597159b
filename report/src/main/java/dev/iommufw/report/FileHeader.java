package dev.iommufw.report;

import java.util.Locale;

/**
 * The line that attributes the following output lines to one input when a run reports several:
 * {@code {"file":"PATH"}}, the path as given on the command line. Output stays ASCII: a character
 * outside 0x20–0x7E is written as a JSON backslash-u escape (four hex digits) of its UTF-16 unit.
 */
final class FileHeader {
  private FileHeader() {}

  static String json(String file) {
    return "{\"file\":\"" + ascii(file) + "\"}\n";
  }

  /**
   * The path with {@code "} and {@code \} escaped and everything outside printable ASCII as a
   * backslash-u escape with four hex digits.
   */
  static String ascii(String text) {
    StringBuilder b = new StringBuilder(text.length() + 8);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c >= 0x20 && c < 0x7f) {
        b.append(c);
      } else {
        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      }
    }
    return b.toString();
  }
}
