package dev.iommufw.acpi;

import static com.google.common.base.Preconditions.checkNotNull;

import org.jspecify.annotations.Nullable;

/**
 * A malformed IORT or VIOT table. The {@link #problem()} is the first check that failed, in the
 * order of the <a href="{@docRoot}/dev/iommufw/core/doc-files/report-formats.html#iort-checks">IORT
 * checks</a> and the <a
 * href="{@docRoot}/dev/iommufw/core/doc-files/report-formats.html#viot-checks">VIOT checks</a>;
 * {@link #nodeOffset()} is the table offset of the node at fault, or null for table-level faults.
 */
public final class AcpiTableException extends Exception {
  private static final long serialVersionUID = 1L;

  /** What is wrong with the table; each maps to one error category of the report. */
  public enum Problem {
    /** Not the expected table signature. */
    BAD_SIGNATURE,
    /** A length or count points past the end of the table. */
    TRUNCATED,
    /** A length field is too small, or a declared length disagrees with the data. */
    BAD_LENGTH,
    /** The table bytes do not sum to 0 mod 256. */
    BAD_CHECKSUM,
    /** An offset field points outside the region it must lie in. */
    BAD_OFFSET,
    /** An IORT ID mapping's output reference is not the start of a node. */
    BAD_REFERENCE,
    /** IORT ID-mapping references form a cycle. */
    CYCLE,
    /** An IORT chain of ID-mapping references is longer than {@link Iort#MAX_HOPS} hops. */
    TOO_DEEP;

    /**
     * The report's name of this problem, e.g. {@code bad-checksum}.
     *
     * @return the lowercase, hyphenated category
     */
    public String category() {
      return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
  }

  /** What is wrong. */
  private final Problem problem;

  /** The table offset of the node at fault, or null. */
  private final @Nullable Long nodeOffset;

  /**
   * Creates the exception.
   *
   * @param problem what is wrong
   * @param nodeOffset table offset of the node at fault, or null for a table-level fault
   * @param message what and where, for humans
   */
  public AcpiTableException(Problem problem, @Nullable Long nodeOffset, String message) {
    super(checkNotNull(message));
    this.problem = checkNotNull(problem);
    this.nodeOffset = nodeOffset;
  }

  /**
   * What is wrong with the table.
   *
   * @return the problem
   */
  public Problem problem() {
    return problem;
  }

  /**
   * The table offset of the node at fault.
   *
   * @return the offset, or null for table-level faults (header, checksum, node array offset)
   */
  public @Nullable Long nodeOffset() {
    return nodeOffset;
  }
}
