/**
 * Readers and builders for the ACPI tables that describe IOMMU topology: the Arm IO Remapping Table
 * (IORT, Arm DEN 0049) and the Virtual I/O Translation table (VIOT, ACPI 6.4 §5.2.30).
 *
 * <p>{@link dev.iommufw.acpi.Iort#parse(byte[])} and {@link dev.iommufw.acpi.Viot#parse(byte[])}
 * validate a raw table completely before returning it, and reject anything malformed with a checked
 * {@link dev.iommufw.acpi.AcpiTableException} naming the fault and the node at fault. Everything a
 * parsed table returns is immutable and bounds-checked, so the ID walks (kernel: {@code
 * iort_node_map_id()}, {@code viot_get_pci_iommu_fwnode()}) can never read outside the table or
 * loop. {@link dev.iommufw.acpi.IortBuilder} and {@link dev.iommufw.acpi.ViotBuilder} assemble
 * tables field by field, with correct lengths and checksums.
 */
@CheckReturnValue
@NullMarked
package dev.iommufw.acpi;

import com.google.errorprone.annotations.CheckReturnValue;
import org.jspecify.annotations.NullMarked;
