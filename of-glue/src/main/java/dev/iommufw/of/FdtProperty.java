package dev.iommufw.of;

import static com.google.common.base.Preconditions.checkElementIndex;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableList;
import com.google.errorprone.annotations.Immutable;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * One property of a device tree node: a name and an uninterpreted byte value.
 *
 * <p>Values are views of the parsed blob; every accessor returns a copy or a read-only view, so a
 * property is immutable. Cells are big-endian 32-bit words, returned as {@code int} bit patterns
 * (use {@link Integer#toUnsignedLong(int)} for the unsigned value).
 */
@Immutable
@SuppressWarnings("Immutable") // the backing array is private and never written after parsing
public final class FdtProperty {
  private final String name;
  private final byte[] blob;
  private final int offset;
  private final int length;

  FdtProperty(String name, byte[] blob, int offset, int length) {
    this.name = name;
    this.blob = blob;
    this.offset = offset;
    this.length = length;
  }

  /**
   * Creates a stand-alone property (for tests and builders).
   *
   * @param name the property name
   * @param value the value; copied
   * @return the property
   */
  public static FdtProperty of(String name, byte[] value) {
    return new FdtProperty(checkNotNull(name), value.clone(), 0, value.length);
  }

  /**
   * The property name (bytes read as ISO-8859-1).
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * The value length in bytes.
   *
   * @return the length
   */
  public int length() {
    return length;
  }

  /**
   * Whether the value is empty (a boolean property such as {@code ats-supported}).
   *
   * @return true for a zero-length value
   */
  public boolean isEmpty() {
    return length == 0;
  }

  /**
   * A copy of the value.
   *
   * @return a new array holding the value
   */
  public byte[] value() {
    return Arrays.copyOfRange(blob, offset, offset + length);
  }

  /**
   * A read-only big-endian view of the value, positioned at 0.
   *
   * @return the view
   */
  public ByteBuffer valueBuffer() {
    return ByteBuffer.wrap(blob, offset, length).slice().asReadOnlyBuffer();
  }

  /**
   * One byte of the value.
   *
   * @param index byte index
   * @return the byte, 0–255
   * @throws IndexOutOfBoundsException if {@code index} is not below {@link #length()}
   */
  public int byteAt(int index) {
    checkElementIndex(index, length);
    return blob[offset + index] & 0xff;
  }

  /**
   * The number of whole 32-bit cells in the value ({@code length / 4}).
   *
   * @return the cell count
   */
  public int cellCount() {
    return length >>> 2;
  }

  /**
   * One big-endian cell of the value.
   *
   * @param index cell index
   * @return the cell as an {@code int} bit pattern
   * @throws IndexOutOfBoundsException if {@code index} is not below {@link #cellCount()}
   */
  public int cell(int index) {
    checkElementIndex(index, cellCount());
    return Fdt.readInt(blob, offset + 4 * index);
  }

  /**
   * The value as big-endian cells; trailing bytes that do not fill a cell are dropped.
   *
   * @return a new array of {@code length / 4} cells
   */
  public int[] cells() {
    int[] cells = new int[cellCount()];
    for (int i = 0; i < cells.length; i++) {
      cells[i] = Fdt.readInt(blob, offset + 4 * i);
    }
    return cells;
  }

  /**
   * Whether the value length is not a multiple of 4, i.e. {@link #cells()} drops bytes.
   *
   * @return true when there are 1–3 bytes after the last whole cell
   */
  public boolean hasTrailingBytes() {
    return (length & 3) != 0;
  }

  /**
   * The bytes up to the first NUL, or the whole value when it has no NUL, read as ISO-8859-1.
   *
   * @return the first string of the value
   */
  public String firstString() {
    int end = offset;
    int limit = offset + length;
    while (end < limit && blob[end] != 0) {
      end++;
    }
    return new String(blob, offset, end - offset, StandardCharsets.ISO_8859_1);
  }

  /**
   * Whether the value contains a NUL byte (is a terminated string).
   *
   * @return true if some byte is 0
   */
  public boolean containsNul() {
    for (int i = offset; i < offset + length; i++) {
      if (blob[i] == 0) {
        return true;
      }
    }
    return false;
  }

  /**
   * The value as a string list: split at NUL bytes, dropping the one empty piece after a final NUL.
   * An empty value is the empty list; a value without a final NUL ends with its unterminated piece.
   *
   * @return the strings (ISO-8859-1)
   */
  public ImmutableList<String> strings() {
    ImmutableList.Builder<String> out = ImmutableList.builder();
    int start = offset;
    int limit = offset + length;
    for (int i = offset; i < limit; i++) {
      if (blob[i] == 0) {
        out.add(new String(blob, start, i - start, StandardCharsets.ISO_8859_1));
        start = i + 1;
      }
    }
    if (start < limit) {
      out.add(new String(blob, start, limit - start, StandardCharsets.ISO_8859_1));
    }
    return out.build();
  }

  /** Equal when the names and the value bytes are equal. */
  @Override
  public boolean equals(@Nullable Object o) {
    if (!(o instanceof FdtProperty other)) {
      return false;
    }
    return name.equals(other.name)
        && Arrays.equals(
            blob, offset, offset + length, other.blob, other.offset, other.offset + other.length);
  }

  @Override
  public int hashCode() {
    int h = name.hashCode();
    for (int i = offset; i < offset + length; i++) {
      h = 31 * h + blob[i];
    }
    return h;
  }

  @Override
  public String toString() {
    return name + "[" + length + " bytes]";
  }
}
