package dev.iommufw.of;

import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableList;
import com.google.common.primitives.ImmutableIntArray;
import java.util.OptionalInt;

/**
 * The parsed {@code iommus} property of one client node (kernel: the {@code
 * of_parse_phandle_with_args()} loop of {@code of_iommu_configure()}).
 *
 * <p>Entries are read from the first cell until the property ends or an entry cannot be parsed.
 * Where the kernel would silently end the list, a diagnostic names the entry and the reason.
 *
 * @param entries the well-formed entries, in order
 * @param diagnostics the defects found, in the order found
 */
public record OfIommus(
    ImmutableList<IommusEntry> entries, ImmutableList<OfDiagnostic> diagnostics) {
  private static final OfIommus ABSENT = new OfIommus(ImmutableList.of(), ImmutableList.of());

  /**
   * Validates the components.
   *
   * @param entries the entries, in property order
   * @param diagnostics the defects found, in the order found
   */
  public OfIommus {
    checkNotNull(entries);
    checkNotNull(diagnostics);
  }

  /**
   * Parses the {@code iommus} property of {@code client}.
   *
   * <ul>
   *   <li>A length that is not a multiple of 4 is cut down: {@code trailing-bytes} (no index).
   *   <li>Phandle 0 ends the list: {@code null-phandle}.
   *   <li>A phandle that resolves to no node: {@code dangling-phandle}, end.
   *   <li>A target without a u32 {@code #iommu-cells}: {@code missing-iommu-cells}, end.
   *   <li>Fewer cells left than {@code #iommu-cells}: {@code truncated-specifier}, end.
   *   <li>More than 16 cells: {@code too-many-cells}; the entry is kept.
   * </ul>
   *
   * @param fdt the tree that holds {@code client}, to resolve phandles
   * @param client the client node
   * @return the entries and diagnostics; both empty when there is no {@code iommus} property
   */
  public static OfIommus parse(Fdt fdt, FdtNode client) {
    checkNotNull(fdt);
    checkNotNull(client);
    FdtProperty prop = client.property("iommus");
    if (prop == null) {
      return ABSENT;
    }
    ImmutableList.Builder<IommusEntry> entries = ImmutableList.builder();
    ImmutableList.Builder<OfDiagnostic> diagnostics = ImmutableList.builder();
    if (prop.hasTrailingBytes()) {
      diagnostics.add(new OfDiagnostic(OfDiagnostic.Kind.TRAILING_BYTES, null));
    }
    int[] cells = prop.cells();
    ImmutableIntArray all = ImmutableIntArray.copyOf(cells);
    int pos = 0;
    for (int index = 0; pos < cells.length; index++) {
      int phandle = cells[pos];
      if (phandle == 0) {
        diagnostics.add(new OfDiagnostic(OfDiagnostic.Kind.NULL_PHANDLE, index));
        break;
      }
      FdtNode target = fdt.nodeByPhandle(phandle);
      if (target == null) {
        diagnostics.add(new OfDiagnostic(OfDiagnostic.Kind.DANGLING_PHANDLE, index));
        break;
      }
      OptionalInt count = target.u32("#iommu-cells");
      if (count.isEmpty()) {
        diagnostics.add(new OfDiagnostic(OfDiagnostic.Kind.MISSING_IOMMU_CELLS, index));
        break;
      }
      long n = Integer.toUnsignedLong(count.getAsInt());
      if (n > cells.length - pos - 1) {
        diagnostics.add(new OfDiagnostic(OfDiagnostic.Kind.TRUNCATED_SPECIFIER, index));
        break;
      }
      if (n > IommusEntry.MAX_PHANDLE_ARGS) {
        diagnostics.add(new OfDiagnostic(OfDiagnostic.Kind.TOO_MANY_CELLS, index));
      }
      ImmutableIntArray args = all.subArray(pos + 1, pos + 1 + (int) n);
      entries.add(new IommusEntry(index, phandle, target, args));
      pos += 1 + (int) n;
    }
    return new OfIommus(entries.build(), diagnostics.build());
  }
}
