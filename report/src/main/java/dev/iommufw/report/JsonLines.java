package dev.iommufw.report;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Writes the JSON-lines output of the report formats (see their <a
 * href="{@docRoot}/dev/iommufw/core/doc-files/report-formats.html#lexical">lexical rules</a>): one
 * compact JSON object per line, ASCII only, keys in the caller's order, byte strings escaped byte
 * by byte.
 *
 * <p>Built on Jackson's streaming {@link JsonGenerator}; the only customisation is the escape
 * table, because the report escapes every byte outside 0x20–0x7E as {@code \}{@code u00xx} with
 * lowercase hex digits and uses no short escapes such as {@code \n}.
 *
 * <p>Strings that come from firmware are byte strings. Pass them as {@code byte[]} to {@link
 * #bytes(String, byte[])}, or as a {@code String} whose chars are the bytes read as ISO-8859-1.
 *
 * <p>Not thread-safe: one writer per output stream.
 */
public final class JsonLines implements AutoCloseable {
  private static final JsonFactory FACTORY = new JsonFactory();

  private final JsonGenerator gen;

  /**
   * Creates a writer on {@code out}. Closing the writer flushes but does not close {@code out}.
   *
   * @param out where the lines go
   */
  public JsonLines(OutputStream out) {
    try {
      gen = FACTORY.createGenerator(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    gen.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
    // Lines are separated by the \n that endLine() writes, not by Jackson's default space.
    gen.setRootValueSeparator(null);
    gen.setCharacterEscapes(ReportEscapes.INSTANCE);
  }

  /**
   * The underlying generator, for writes the helpers here do not cover.
   *
   * @return the generator
   */
  public JsonGenerator generator() {
    return gen;
  }

  /**
   * Formats a hardware value the report's way: {@code 0x} and lowercase hex, no leading zeros. The
   * value is taken as unsigned 64-bit.
   *
   * @param value the value
   * @return for example {@code "0x10"}
   */
  public static String hex(long value) {
    return "0x" + Long.toHexString(value).toLowerCase(Locale.ROOT);
  }

  /**
   * Starts a line: opens its JSON object.
   *
   * @return this writer
   */
  public JsonLines beginLine() {
    try {
      gen.writeStartObject();
    } catch (IOException e) {
      throw unchecked(e);
    }
    return this;
  }

  /**
   * Ends a line: closes its JSON object and writes the {@code \n}.
   *
   * @return this writer
   */
  public JsonLines endLine() {
    try {
      gen.writeEndObject();
      gen.writeRaw('\n');
    } catch (IOException e) {
      throw unchecked(e);
    }
    return this;
  }

  /**
   * Opens an object (inside an array, or as a field when {@code name} is non-null).
   *
   * @param name the field name, or null inside an array
   * @return this writer
   */
  public JsonLines beginObject(@Nullable String name) {
    try {
      if (name != null) {
        gen.writeFieldName(name);
      }
      gen.writeStartObject();
    } catch (IOException e) {
      throw unchecked(e);
    }
    return this;
  }

  /**
   * Closes the current object.
   *
   * @return this writer
   */
  public JsonLines endObject() {
    try {
      gen.writeEndObject();
    } catch (IOException e) {
      throw unchecked(e);
    }
    return this;
  }

  /**
   * Opens an array field.
   *
   * @param name the field name
   * @return this writer
   */
  public JsonLines beginArray(String name) {
    try {
      gen.writeArrayFieldStart(name);
    } catch (IOException e) {
      throw unchecked(e);
    }
    return this;
  }

  /**
   * Closes the current array.
   *
   * @return this writer
   */
  public JsonLines endArray() {
    try {
      gen.writeEndArray();
    } catch (IOException e) {
      throw unchecked(e);
    }
    return this;
  }

  /**
   * Writes a string field (or {@code null}).
   *
   * @param name field name
   * @param value ISO-8859-1 string, or null
   * @return this writer
   */
  public JsonLines str(String name, @Nullable String value) {
    try {
      if (value == null) {
        gen.writeNullField(name);
      } else {
        gen.writeStringField(name, value);
      }
    } catch (IOException e) {
      throw unchecked(e);
    }
    return this;
  }

  /**
   * Writes a byte-string field (or {@code null}); each byte is one char.
   *
   * @param name field name
   * @param value the bytes, or null
   * @return this writer
   */
  public JsonLines bytes(String name, byte @Nullable [] value) {
    return str(name, value == null ? null : new String(value, StandardCharsets.ISO_8859_1));
  }

  /**
   * Writes a string element of the current array.
   *
   * @param value ISO-8859-1 string
   * @return this writer
   */
  public JsonLines strValue(String value) {
    try {
      gen.writeString(value);
    } catch (IOException e) {
      throw unchecked(e);
    }
    return this;
  }

  /**
   * Writes a hex-string element of the current array.
   *
   * @param value unsigned value
   * @return this writer
   */
  public JsonLines hexValue(long value) {
    return strValue(hex(value));
  }

  /**
   * Writes a decimal integer field.
   *
   * @param name field name
   * @param value the value
   * @return this writer
   */
  public JsonLines num(String name, long value) {
    try {
      gen.writeNumberField(name, value);
    } catch (IOException e) {
      throw unchecked(e);
    }
    return this;
  }

  /**
   * Writes a decimal integer field, or {@code null}.
   *
   * @param name field name
   * @param value the value or null
   * @return this writer
   */
  public JsonLines num(String name, @Nullable Long value) {
    try {
      if (value == null) {
        gen.writeNullField(name);
      } else {
        gen.writeNumberField(name, value);
      }
    } catch (IOException e) {
      throw unchecked(e);
    }
    return this;
  }

  /**
   * Writes a hex-string field ({@link #hex(long)}).
   *
   * @param name field name
   * @param value unsigned value
   * @return this writer
   */
  public JsonLines hex(String name, long value) {
    return str(name, hex(value));
  }

  /**
   * Writes a hex-string field, or {@code null}.
   *
   * @param name field name
   * @param value unsigned value or null
   * @return this writer
   */
  public JsonLines hex(String name, @Nullable Long value) {
    return str(name, value == null ? null : hex(value));
  }

  /**
   * Writes a boolean field.
   *
   * @param name field name
   * @param value the value
   * @return this writer
   */
  public JsonLines bool(String name, boolean value) {
    try {
      gen.writeBooleanField(name, value);
    } catch (IOException e) {
      throw unchecked(e);
    }
    return this;
  }

  /**
   * Writes a {@code null} field.
   *
   * @param name field name
   * @return this writer
   */
  public JsonLines nul(String name) {
    try {
      gen.writeNullField(name);
    } catch (IOException e) {
      throw unchecked(e);
    }
    return this;
  }

  /** Flushes what was written to the output stream. */
  public void flush() {
    try {
      gen.flush();
    } catch (IOException e) {
      throw unchecked(e);
    }
  }

  /** Flushes and releases the generator; the output stream stays open. */
  @Override
  public void close() {
    try {
      gen.close();
    } catch (IOException e) {
      throw unchecked(e);
    }
  }

  // Each writer method catches the generator's IOException itself rather than passing a lambda to
  // one wrapper: linking some twenty lambdas at first use cost a one-shot report run measurable
  // start-up time (benchmarks/startup.sh).
  private static UncheckedIOException unchecked(IOException e) {
    return new UncheckedIOException(e);
  }

  /** The report's escape table: only {@code "} and {@code \} get short escapes. */
  private static final class ReportEscapes extends CharacterEscapes {
    private static final long serialVersionUID = 1L;
    static final ReportEscapes INSTANCE = new ReportEscapes();
    private static final SerializableString[] SEQUENCES = new SerializableString[256];
    private final int[] asciiEscapes;

    static {
      for (int c = 0; c < 256; c++) {
        SEQUENCES[c] = new SerializedString(unicodeEscape(c));
      }
    }

    /** {@code \}{@code u00xx}, lowercase hex (without {@code String.format}, slow at start-up). */
    private static String unicodeEscape(int ch) {
      String hex = Integer.toHexString(ch);
      return "\\u" + "0000".substring(hex.length()) + hex;
    }

    private ReportEscapes() {
      asciiEscapes = new int[128];
      for (int c = 0; c < 128; c++) {
        asciiEscapes[c] = (c < 0x20 || c == 0x7f) ? ESCAPE_CUSTOM : ESCAPE_NONE;
      }
      asciiEscapes['"'] = '"';
      asciiEscapes['\\'] = '\\';
    }

    @Override
    public int[] getEscapeCodesForAscii() {
      return asciiEscapes.clone();
    }

    @Override
    public @Nullable SerializableString getEscapeSequence(int ch) {
      if (ch < 256) {
        return SEQUENCES[ch];
      }
      // Report strings are byte strings; a wider char can only come from a caller's bug.
      return new SerializedString(unicodeEscape(ch));
    }
  }
}
