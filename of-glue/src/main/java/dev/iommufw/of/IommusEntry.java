package dev.iommufw.of;

import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.primitives.ImmutableIntArray;

/**
 * One well-formed entry of an {@code iommus} property: a phandle and the specifier cells its
 * target's {@code #iommu-cells} asks for.
 *
 * @param index the entry index, from 0
 * @param phandle the phandle cell (u32 bit pattern)
 * @param target the IOMMU node the phandle resolves to
 * @param args all argument cells, as read (u32 bit patterns)
 */
public record IommusEntry(int index, int phandle, FdtNode target, ImmutableIntArray args) {
  /** The kernel's {@code MAX_PHANDLE_ARGS}: a specifier holds at most this many cells. */
  public static final int MAX_PHANDLE_ARGS = 16;

  /**
   * Checks the components.
   *
   * @param index the entry index
   * @param phandle the phandle cell
   * @param target the target node
   * @param args the argument cells
   */
  public IommusEntry {
    checkNotNull(target);
    checkNotNull(args);
  }

  /**
   * The entry with its phandle and cells in hex, for example {@code IommusEntry[0: phandle 0x1 ->
   * /smmuv3@9050000, args=[0x10]]}.
   *
   * @return a description
   */
  @Override
  public String toString() {
    StringBuilder sb =
        new StringBuilder("IommusEntry[")
            .append(index)
            .append(": phandle 0x")
            .append(Integer.toHexString(phandle))
            .append(" -> ")
            .append(target.path())
            .append(", args=[");
    for (int i = 0; i < args.length(); i++) {
      sb.append(i == 0 ? "" : ", ").append("0x").append(Integer.toHexString(args.get(i)));
    }
    return sb.append("]]").toString();
  }

  /**
   * The specifier the driver sees (kernel: {@code of_phandle_args.args}): the first {@link
   * #MAX_PHANDLE_ARGS} argument cells.
   *
   * @return at most 16 cells
   */
  public ImmutableIntArray specifier() {
    return args.length() <= MAX_PHANDLE_ARGS ? args : args.subArray(0, MAX_PHANDLE_ARGS);
  }
}
