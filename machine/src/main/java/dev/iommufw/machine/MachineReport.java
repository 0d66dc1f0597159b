package dev.iommufw.machine;

import dev.iommufw.machine.MachineState.DeviceState;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * The <a href="{@docRoot}/dev/iommufw/core/doc-files/report-formats.html#machine">machine
 * report</a>: one compact JSON line per device, in the state's order, with the report's <a
 * href="{@docRoot}/dev/iommufw/core/doc-files/report-formats.html#lexical">lexical rules</a>
 * (ASCII; bytes outside 0x20–0x7e, and characters beyond Latin-1 as their UTF-8 bytes, written as a
 * backslash-u escape; IDs as {@code "0x"} + lowercase hex).
 */
public final class MachineReport {
  private MachineReport() {}

  /**
   * The report of an end state.
   *
   * @param state the end state
   * @return the JSON lines, each ending in {@code \n}
   */
  public static String jsonl(MachineState state) {
    StringBuilder out = new StringBuilder(state.devices().size() * 160);
    for (DeviceState d : state.devices()) {
      out.append("{\"device\":");
      str(out, d.device());
      out.append(",\"bus\":").append(d.pci() ? "\"pci\"" : "\"platform\"");
      out.append(",\"driver\":");
      str(out, d.driver());
      out.append(",\"result\":\"").append(d.result().jsonName()).append('"');
      out.append(",\"iommu\":");
      str(out, d.iommu());
      out.append(",\"ids\":[");
      int[] ids = d.ids().toArray();
      for (int i = 0; i < ids.length; i++) {
        if (i > 0) {
          out.append(',');
        }
        out.append("\"0x").append(Integer.toHexString(ids[i])).append('"');
      }
      out.append("],\"errno\":");
      str(out, d.errno());
      out.append(",\"group\":");
      str(out, d.group());
      out.append("}\n");
    }
    return out.toString();
  }

  /**
   * The report as bytes.
   *
   * @param state the end state
   * @return the ASCII bytes of {@link #jsonl(MachineState)}
   */
  public static byte[] bytes(MachineState state) {
    return jsonl(state).getBytes(StandardCharsets.US_ASCII);
  }

  private static void str(StringBuilder out, @Nullable String s) {
    if (s == null) {
      out.append("null");
      return;
    }
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x100) {
        escapeByte(out, c);
      } else {
        int end = Character.isHighSurrogate(c) && i + 1 < s.length() ? i + 2 : i + 1;
        for (byte b : s.substring(i, end).getBytes(StandardCharsets.UTF_8)) {
          escapeByte(out, b & 0xff);
        }
        i = end - 1;
      }
    }
    out.append('"');
  }

  private static void escapeByte(StringBuilder out, int b) {
    if (b == '"' || b == '\\') {
      out.append('\\').append((char) b);
    } else if (b >= 0x20 && b <= 0x7e) {
      out.append((char) b);
    } else {
      out.append("\\u00")
          .append(Character.forDigit(b >> 4, 16))
          .append(Character.forDigit(b & 0xf, 16));
    }
  }
}
