package dev.iommufw.of;

import static com.google.common.base.Preconditions.checkNotNull;

import org.jspecify.annotations.Nullable;

/**
 * A defect in an IOMMU binding property that the kernel passes over silently or with a log line,
 * reported by the port as data (the {@code diagnostics} of the <a
 * href="{@docRoot}/dev/iommufw/core/doc-files/report-formats.html#dtb">device tree report</a>).
 *
 * @param kind what is wrong
 * @param index the entry index it concerns, or null when it concerns the whole property
 */
public record OfDiagnostic(Kind kind, @Nullable Integer index) {
  /** The kinds of diagnostics, each with its report code. */
  public enum Kind {
    /** The property length is not a multiple of 4; the extra bytes are ignored. */
    TRAILING_BYTES("trailing-bytes"),
    /** An {@code iommus} phandle cell is 0: the kernel treats it as the end of the list. */
    NULL_PHANDLE("null-phandle"),
    /** An {@code iommus} phandle resolves to no node. */
    DANGLING_PHANDLE("dangling-phandle"),
    /** The target of an {@code iommus} entry has no u32 {@code #iommu-cells}. */
    MISSING_IOMMU_CELLS("missing-iommu-cells"),
    /** Fewer cells are left in {@code iommus} than the target's {@code #iommu-cells}. */
    TRUNCATED_SPECIFIER("truncated-specifier"),
    /** {@code #iommu-cells} is above 16: the driver sees only the first 16 cells. */
    TOO_MANY_CELLS("too-many-cells"),
    /** The {@code iommu-map} length is 0 or not a multiple of 16 bytes. */
    BAD_MAP_LENGTH("bad-map-length");

    private final String code;

    Kind(String code) {
      this.code = code;
    }

    /**
     * The report code, e.g. {@code dangling-phandle}.
     *
     * @return the code
     */
    public String code() {
      return code;
    }
  }

  /**
   * Checks the kind.
   *
   * @param kind what is wrong
   * @param index the entry index, or null
   */
  public OfDiagnostic {
    checkNotNull(kind);
  }

  /**
   * The report code of {@link #kind()}.
   *
   * @return the code
   */
  public String code() {
    return kind.code();
  }
}
