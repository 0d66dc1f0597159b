package dev.iommufw.of;

import static com.google.common.base.Preconditions.checkNotNull;

/**
 * A flattened device tree blob that is not well formed (see the <a
 * href="{@docRoot}/dev/iommufw/core/doc-files/report-formats.html#dtb-checks">DTB checks</a>).
 *
 * <p>The checks run in a fixed order and the first failing one decides the {@link Problem}; the
 * exception also carries the byte offset in the blob where the problem was found.
 */
public final class FdtFormatException extends Exception {
  private static final long serialVersionUID = 1L;

  /** The category of a blob defect, in the order the checks run. */
  public enum Problem {
    /** The blob does not start with the magic {@code d0 0d fe ed}. */
    BAD_SIGNATURE,
    /** The blob is shorter than its header, or {@code totalsize} exceeds the input. */
    TRUNCATED,
    /** {@code totalsize} is smaller than the input (the blob must fill it exactly). */
    BAD_LENGTH,
    /** A block offset or size in the header points outside the blob. */
    BAD_OFFSET,
    /**
     * The structure block is not well formed, or the version is not supported ({@code version}
     * below 16, {@code last_comp_version} above 17 or above {@code version}).
     */
    BAD_STRUCTURE
  }

  /** What is wrong. */
  private final Problem problem;

  /** The byte offset in the blob where the problem was found. */
  private final long offset;

  /**
   * Creates the exception.
   *
   * @param problem the category
   * @param offset the byte offset in the blob where the problem was found
   * @param message what is wrong, in words
   */
  public FdtFormatException(Problem problem, long offset, String message) {
    super(checkNotNull(message) + " (at byte offset " + offset + ")");
    this.problem = checkNotNull(problem);
    this.offset = offset;
  }

  /**
   * The category of the defect.
   *
   * @return the problem
   */
  public Problem problem() {
    return problem;
  }

  /**
   * The byte offset in the blob where the problem was found.
   *
   * @return the offset, never negative
   */
  public long offset() {
    return offset;
  }
}
