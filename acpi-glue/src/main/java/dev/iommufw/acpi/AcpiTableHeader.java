package dev.iommufw.acpi;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.base.MoreObjects;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * The standard 36-byte ACPI system description table header (ACPI 6.4 §5.2.6).
 *
 * <p>The text fields (signature, OEM ID, OEM table ID, creator ID) are raw byte strings exactly as
 * in the table; they are never decoded as UTF-8. Accessors return fresh copies.
 */
public final class AcpiTableHeader {
  /** Size of the standard header in bytes. */
  public static final int SIZE = 36;

  private final byte[] signature;
  private final long length;
  private final int revision;
  private final int checksum;
  private final byte[] oemId;
  private final byte[] oemTableId;
  private final long oemRevision;
  private final byte[] creatorId;
  private final long creatorRevision;

  private AcpiTableHeader(byte[] table) {
    signature = Arrays.copyOfRange(table, 0, 4);
    length = Le.u32(table, 4);
    revision = Le.u8(table, 8);
    checksum = Le.u8(table, 9);
    oemId = Arrays.copyOfRange(table, 10, 16);
    oemTableId = Arrays.copyOfRange(table, 16, 24);
    oemRevision = Le.u32(table, 24);
    creatorId = Arrays.copyOfRange(table, 28, 32);
    creatorRevision = Le.u32(table, 32);
  }

  /**
   * Reads the header at the start of {@code table}.
   *
   * @param table at least {@link #SIZE} bytes
   * @return the header
   * @throws IllegalArgumentException if {@code table} is shorter than the header
   */
  public static AcpiTableHeader read(byte[] table) {
    checkArgument(table.length >= SIZE, "ACPI header needs %s bytes, got %s", SIZE, table.length);
    return new AcpiTableHeader(table);
  }

  /**
   * The 4-byte signature, e.g. {@code IORT}.
   *
   * @return a copy of the bytes
   */
  public byte[] signature() {
    return signature.clone();
  }

  /**
   * The whole table's length, header included (u32).
   *
   * @return the length
   */
  public long length() {
    return length;
  }

  /**
   * The table revision.
   *
   * @return 0–255
   */
  public int revision() {
    return revision;
  }

  /**
   * The checksum byte as stored.
   *
   * @return 0–255
   */
  public int checksum() {
    return checksum;
  }

  /**
   * The 6-byte OEM ID.
   *
   * @return a copy of the bytes
   */
  public byte[] oemId() {
    return oemId.clone();
  }

  /**
   * The 8-byte OEM table ID.
   *
   * @return a copy of the bytes
   */
  public byte[] oemTableId() {
    return oemTableId.clone();
  }

  /**
   * The OEM revision (u32).
   *
   * @return the revision
   */
  public long oemRevision() {
    return oemRevision;
  }

  /**
   * The 4-byte creator (ASL compiler) ID.
   *
   * @return a copy of the bytes
   */
  public byte[] creatorId() {
    return creatorId.clone();
  }

  /**
   * The creator revision (u32).
   *
   * @return the revision
   */
  public long creatorRevision() {
    return creatorRevision;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (!(o instanceof AcpiTableHeader h)) {
      return false;
    }
    return Arrays.equals(signature, h.signature)
        && length == h.length
        && revision == h.revision
        && checksum == h.checksum
        && Arrays.equals(oemId, h.oemId)
        && Arrays.equals(oemTableId, h.oemTableId)
        && oemRevision == h.oemRevision
        && Arrays.equals(creatorId, h.creatorId)
        && creatorRevision == h.creatorRevision;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(signature) * 31 + Long.hashCode(length) * 17 + Arrays.hashCode(oemId);
  }

  @Override
  public String toString() {
    return MoreObjects.toStringHelper(this)
        .add("signature", new String(signature, StandardCharsets.ISO_8859_1))
        .add("length", length)
        .add("revision", revision)
        .add("oemId", new String(oemId, StandardCharsets.ISO_8859_1))
        .add("oemTableId", new String(oemTableId, StandardCharsets.ISO_8859_1))
        .toString();
  }
}
