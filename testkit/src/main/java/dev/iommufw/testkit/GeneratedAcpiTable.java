package dev.iommufw.testkit;

import static com.google.common.base.Preconditions.checkNotNull;

import dev.iommufw.acpi.AcpiTableException;
import dev.iommufw.acpi.Iort;
import dev.iommufw.acpi.IortNode;
import dev.iommufw.acpi.Viot;
import dev.iommufw.acpi.ViotNode;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * A generated raw ACPI table (an IORT or a VIOT) that prints as its node list, so that a failing
 * property's (shrunk) counterexample can be read: {@code toString()} shows the signature, revision
 * and every node with its fields, not {@code [B@…}.
 *
 * <p>Equality is by content. The bytes are copied in and out, so a value never changes.
 */
public final class GeneratedAcpiTable {
  private final byte[] table;

  /**
   * Wraps a table.
   *
   * @param table the raw table bytes, header included (copied)
   */
  public GeneratedAcpiTable(byte[] table) {
    this.table = checkNotNull(table).clone();
  }

  /**
   * The table.
   *
   * @return a copy of the raw bytes
   */
  public byte[] bytes() {
    return table.clone();
  }

  /**
   * The four-byte signature.
   *
   * @return {@code IORT}, {@code VIOT}, or what the first bytes say (empty if fewer than four)
   */
  public String signature() {
    return table.length < 4 ? "" : new String(table, 0, 4, StandardCharsets.ISO_8859_1);
  }

  /**
   * The table as a node list: one header line (signature, revision, length, node count), then one
   * line per node in table order with its offset and parsed fields. A table that does not parse
   * prints its problem instead.
   *
   * @return the text, lines ending in {@code \n}
   */
  @Override
  public String toString() {
    StringBuilder out = new StringBuilder();
    try {
      switch (signature()) {
        case "IORT" -> {
          Iort iort = Iort.parse(table);
          out.append("IORT rev ")
              .append(iort.revision())
              .append(", ")
              .append(table.length)
              .append(" bytes, ")
              .append(iort.nodes().size())
              .append(" nodes\n");
          for (IortNode node : iort.nodes()) {
            out.append(String.format("  @0x%x %s", node.header().offset(), node)).append('\n');
          }
        }
        case "VIOT" -> {
          Viot viot = Viot.parse(table);
          out.append("VIOT rev ")
              .append(viot.header().revision())
              .append(", ")
              .append(table.length)
              .append(" bytes, ")
              .append(viot.nodes().size())
              .append(" nodes\n");
          for (ViotNode node : viot.nodes()) {
            out.append(String.format("  @0x%x %s", node.offset(), node)).append('\n');
          }
        }
        default -> out.append("not an IORT or VIOT: ").append(table.length).append(" bytes\n");
      }
    } catch (AcpiTableException e) {
      out.append("malformed ")
          .append(signature())
          .append(" (")
          .append(table.length)
          .append(" bytes): ")
          .append(e.getMessage())
          .append('\n');
    }
    return out.toString();
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof GeneratedAcpiTable other && Arrays.equals(table, other.table);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(table);
  }
}
