package dev.iommufw.report;

import static com.google.common.base.Preconditions.checkNotNull;

import org.jspecify.annotations.Nullable;

/**
 * A malformed input file, as the report's single error line names it (see <a
 * href="{@docRoot}/dev/iommufw/core/doc-files/report-formats.html#errors">error lines</a>): {@code
 * {"error":CATEGORY,"format":FORMAT,"offset":OFFSET}}.
 */
public final class ReportException extends Exception {
  private static final long serialVersionUID = 1L;

  /** The error category. */
  private final String category;

  /** The input format, or null. */
  private final @Nullable String format;

  /** The offset of the node at fault, or null. */
  private final @Nullable Long offset;

  /**
   * Creates the error.
   *
   * @param category one of the report's categories, e.g. {@code truncated}
   * @param format {@code dtb}, {@code iort}, {@code viot}, {@code machine}, or null when unknown
   * @param offset table offset of the node at fault, or null
   * @param message human-readable detail (not printed in the report line)
   * @param cause the parser's exception, or null
   */
  public ReportException(
      String category,
      @Nullable String format,
      @Nullable Long offset,
      String message,
      @Nullable Throwable cause) {
    super(message, cause);
    this.category = checkNotNull(category);
    this.format = format;
    this.offset = offset;
  }

  /**
   * The error category, e.g. {@code bad-checksum}.
   *
   * @return the category
   */
  public String category() {
    return category;
  }

  /**
   * The input format, or null when the format was not recognised.
   *
   * @return the format
   */
  public @Nullable String format() {
    return format;
  }

  /**
   * The offset of the node at fault, or null.
   *
   * @return the offset
   */
  public @Nullable Long offset() {
    return offset;
  }

  /**
   * Writes this error as the report's error line.
   *
   * @param out where to write
   */
  public void writeTo(JsonLines out) {
    out.beginLine().str("error", category).str("format", format).hex("offset", offset).endLine();
  }
}
