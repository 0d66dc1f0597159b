package dev.iommufw.testkit;

import static com.google.common.base.Preconditions.checkNotNull;

import dev.iommufw.of.Fdt;
import dev.iommufw.of.FdtFormatException;
import dev.iommufw.of.FdtNode;
import dev.iommufw.of.FdtProperty;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A generated flattened device tree blob that prints as DTS-like source, so that a failing
 * property's (shrunk) counterexample can be read: {@code toString()} shows every node and property
 * the way {@code dtc -O dts} would, not {@code [B@…}.
 *
 * <p>Equality is by content. The blob is copied in and out, so a value never changes.
 */
public final class GeneratedDtb {
  private final byte[] blob;

  /**
   * Wraps a blob.
   *
   * @param blob the DTB bytes (copied)
   */
  public GeneratedDtb(byte[] blob) {
    this.blob = checkNotNull(blob).clone();
  }

  /**
   * The blob.
   *
   * @return a copy of the DTB bytes
   */
  public byte[] bytes() {
    return blob.clone();
  }

  /**
   * The blob parsed.
   *
   * @return the tree
   * @throws FdtFormatException if the blob is malformed
   */
  public Fdt parse() throws FdtFormatException {
    return Fdt.parse(blob);
  }

  /**
   * DTS-like source of the tree: nodes nested in braces, each property as {@code name;}, {@code
   * name = "string", "list";}, {@code name = <0x1 0x2>;} (whole cells) or {@code name = [01 02];}
   * (other bytes). A malformed blob prints its problem and its size instead.
   *
   * @return the source, lines ending in {@code \n}
   */
  @Override
  public String toString() {
    Fdt fdt;
    try {
      fdt = Fdt.parse(blob);
    } catch (FdtFormatException e) {
      return "/* malformed DTB (" + blob.length + " bytes): " + e.getMessage() + " */\n";
    }
    StringBuilder out = new StringBuilder("/dts-v1/;\n\n");
    node(out, fdt.root(), "");
    return out.toString();
  }

  private static void node(StringBuilder out, FdtNode node, String indent) {
    out.append(indent).append(node.parent() == null ? "/" : node.name()).append(" {\n");
    String inner = indent + "\t";
    for (FdtProperty p : node.properties()) {
      out.append(inner).append(p.name());
      String value = value(p);
      if (value != null) {
        out.append(" = ").append(value);
      }
      out.append(";\n");
    }
    List<FdtNode> children = node.children();
    for (FdtNode child : children) {
      out.append('\n');
      node(out, child, inner);
    }
    out.append(indent).append("};\n");
  }

  /** The value as DTS source, or null for an empty property. */
  static @Nullable String value(FdtProperty p) {
    byte[] v = p.value();
    if (v.length == 0) {
      return null;
    }
    if (isStringList(v)) {
      StringBuilder s = new StringBuilder();
      int start = 0;
      for (int i = 0; i < v.length; i++) {
        if (v[i] == 0) {
          s.append(s.length() == 0 ? "" : ", ").append('"');
          for (int j = start; j < i; j++) {
            char c = (char) v[j];
            s.append(c == '"' || c == '\\' ? "\\" + c : String.valueOf(c));
          }
          s.append('"');
          start = i + 1;
        }
      }
      return s.toString();
    }
    if (v.length % 4 == 0) {
      StringBuilder s = new StringBuilder("<");
      for (int i = 0; i < v.length; i += 4) {
        int cell =
            (v[i] & 0xff) << 24
                | (v[i + 1] & 0xff) << 16
                | (v[i + 2] & 0xff) << 8
                | (v[i + 3] & 0xff);
        s.append(i == 0 ? "" : " ").append("0x").append(Integer.toHexString(cell));
      }
      return s.append('>').toString();
    }
    StringBuilder s = new StringBuilder("[");
    for (int i = 0; i < v.length; i++) {
      s.append(i == 0 ? "" : " ").append(String.format("%02x", v[i] & 0xff));
    }
    return s.append(']').toString();
  }

  /** Printable ASCII strings, each non-empty and NUL-terminated. */
  private static boolean isStringList(byte[] v) {
    if (v[v.length - 1] != 0) {
      return false;
    }
    int len = 0;
    for (byte b : v) {
      if (b == 0) {
        if (len == 0) {
          return false;
        }
        len = 0;
      } else if (b < 0x20 || b > 0x7e) {
        return false;
      } else {
        len++;
      }
    }
    return true;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof GeneratedDtb other && Arrays.equals(blob, other.blob);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(blob);
  }
}
