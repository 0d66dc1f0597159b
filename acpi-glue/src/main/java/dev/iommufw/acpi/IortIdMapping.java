package dev.iommufw.acpi;

/**
 * One IORT ID mapping entry (20 bytes; Arm DEN 0049).
 *
 * <p>The range is {@code [inputBase, inputBase + idCount]} inclusive: {@code idCount} is stored
 * raw, i.e. the number of IDs minus one. All values are u32 held in a {@code long}.
 *
 * @param index position in the node's ID array
 * @param inputBase lowest input ID of the range
 * @param idCount number of IDs in the range minus one, as stored
 * @param outputBase output ID for {@code inputBase}
 * @param outputReference table offset of the node the output IDs go to; 0 means none
 * @param single the single-mapping flag (bit 0): the entry ignores the input ID
 */
public record IortIdMapping(
    int index,
    long inputBase,
    long idCount,
    long outputBase,
    long outputReference,
    boolean single) {
  static final long U32 = 0xffffffffL;

  /**
   * The last input ID of the range, {@code inputBase + idCount} mod 2^32.
   *
   * @return the inclusive end of the input range
   */
  public long inputEnd() {
    return (inputBase + idCount) & U32;
  }
}
