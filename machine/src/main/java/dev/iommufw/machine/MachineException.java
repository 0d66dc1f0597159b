package dev.iommufw.machine;

import static com.google.common.base.Preconditions.checkNotNull;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * A machine that cannot be booted: a bad description ({@code machine.json} not valid JSON, a
 * missing key, a value of the wrong type or form, a missing file, an inconsistency), or a malformed
 * firmware file. Nothing is booted when this is thrown.
 *
 * <p>{@link #errorLine()} is the one line the report tool prints (see <a
 * href="{@docRoot}/dev/iommufw/core/doc-files/report-formats.html#errors">error lines</a>): {@code
 * {"error":"bad-machine","format":"machine","offset":null}} for a bad description, or the firmware
 * file's error line, as the per-file report prints it.
 */
public final class MachineException extends Exception {
  private static final long serialVersionUID = 1L;

  /** The key or file at fault. */
  private final String key;

  /** The error category of the report line. */
  private final String category;

  /** The format of the report line, or null. */
  private final @Nullable String format;

  /** The offset of the report line, or null. */
  private final @Nullable Long offset;

  private MachineException(
      String key,
      String problem,
      String category,
      @Nullable String format,
      @Nullable Long offset,
      @Nullable Throwable cause) {
    super(key + ": " + problem, cause);
    this.key = checkNotNull(key);
    this.category = checkNotNull(category);
    this.format = format;
    this.offset = offset;
  }

  /**
   * A bad machine description.
   *
   * @param key where the problem is, for example {@code pci[3].parent}
   * @param problem what is wrong
   * @return the exception
   */
  public static MachineException badMachine(String key, String problem) {
    checkNotNull(key);
    checkNotNull(problem);
    return new MachineException(key, problem, "bad-machine", "machine", null, null);
  }

  /**
   * A malformed firmware file.
   *
   * @param file the file's name as {@code machine.json} gives it
   * @param category the error category of the per-file report, for example {@code truncated}
   * @param format {@code dtb}, {@code iort}, {@code viot}, or null when the format is unknown
   * @param offset the table offset of the node at fault, or null
   * @param cause the parser's exception, or null
   * @return the exception
   */
  public static MachineException badFirmware(
      String file,
      String category,
      @Nullable String format,
      @Nullable Long offset,
      @Nullable Throwable cause) {
    checkNotNull(file);
    checkNotNull(category);
    return new MachineException(
        "firmware.files: " + file, category, category, format, offset, cause);
  }

  /**
   * Where the problem is: a key path into {@code machine.json} such as {@code pci[3].parent}, or
   * {@code firmware.files: NAME} for a firmware file.
   *
   * @return the key
   */
  public String key() {
    return key;
  }

  /**
   * The error category: {@code bad-machine}, or a firmware category such as {@code truncated}.
   *
   * @return the category
   */
  public String category() {
    return category;
  }

  /**
   * Whether the description itself is bad (as opposed to a firmware file).
   *
   * @return true for {@code bad-machine}
   */
  public boolean isBadMachine() {
    return category.equals("bad-machine");
  }

  /**
   * The report tool's single error line, with its final newline.
   *
   * @return the line
   */
  public String errorLine() {
    return "{\"error\":\""
        + category
        + "\",\"format\":"
        + (format == null ? "null" : "\"" + format + "\"")
        + ",\"offset\":"
        + (offset == null
            ? "null"
            : "\"0x" + Long.toHexString(offset).toLowerCase(Locale.ROOT) + "\"")
        + "}\n";
  }
}
