package dev.iommufw.kerneldiff;

import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A small JSON writer for the harness's outputs: two-space indented objects (the layout of the
 * shipped {@code machine.json} files) and compact single lines (the machine report). Values are
 * maps (insertion order kept), lists, strings, booleans, integers and null.
 */
final class Json {
  private Json() {}

  static String pretty(Object value) {
    StringBuilder out = new StringBuilder();
    write(out, value, 0, true);
    return out.append('\n').toString();
  }

  static String compact(Object value) {
    StringBuilder out = new StringBuilder();
    write(out, value, 0, false);
    return out.toString();
  }

  private static void write(StringBuilder out, @Nullable Object v, int depth, boolean pretty) {
    if (v == null) {
      out.append("null");
    } else if (v instanceof String str) {
      string(out, str);
    } else if (v instanceof Boolean || v instanceof Integer || v instanceof Long) {
      out.append(v);
    } else if (v instanceof Map<?, ?> m) {
      if (m.isEmpty()) {
        out.append("{}");
        return;
      }
      out.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (!first) {
          out.append(',');
        }
        first = false;
        newline(out, depth + 1, pretty);
        string(out, String.valueOf(e.getKey()));
        out.append(pretty ? ": " : ":");
        write(out, e.getValue(), depth + 1, pretty);
      }
      newline(out, depth, pretty);
      out.append('}');
    } else if (v instanceof List<?> l) {
      if (l.isEmpty()) {
        out.append("[]");
        return;
      }
      out.append('[');
      boolean first = true;
      for (Object e : l) {
        if (!first) {
          out.append(',');
        }
        first = false;
        newline(out, depth + 1, pretty);
        write(out, e, depth + 1, pretty);
      }
      newline(out, depth, pretty);
      out.append(']');
    } else {
      throw new IllegalArgumentException("not a JSON value: " + v.getClass().getName());
    }
  }

  private static void newline(StringBuilder out, int depth, boolean pretty) {
    if (pretty) {
      out.append('\n');
      for (int i = 0; i < depth; i++) {
        out.append("  ");
      }
    }
  }

  private static void string(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20 || c > 0x7e) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    out.append('"');
  }
}
