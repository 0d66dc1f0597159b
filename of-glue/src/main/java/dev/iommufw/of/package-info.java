/**
 * Device tree ("OF") glue: a reader and builder for flattened device tree blobs (DTB, format
 * v16/v17) and pure parsers of the IOMMU bindings ({@code iommus}, {@code iommu-map}).
 *
 * <p>{@link dev.iommufw.of.Fdt} parses a blob into an immutable tree of {@link
 * dev.iommufw.of.FdtNode}s and {@link dev.iommufw.of.FdtProperty}s; every defect of the blob is
 * reported as a checked {@link dev.iommufw.of.FdtFormatException}. {@link
 * dev.iommufw.of.FdtBuilder} makes blobs in code. {@link dev.iommufw.of.OfIommus} and {@link
 * dev.iommufw.of.IommuMap} read the two client bindings the way the kernel's {@code of_iommu} code
 * does ({@code of_iommu_configure()}, {@code of_map_id()}), adding typed {@link
 * dev.iommufw.of.OfDiagnostic}s where the kernel would stop silently.
 *
 * <p>Strings in a blob are byte strings. This package exposes them as {@code String}s whose chars
 * are the bytes read as ISO-8859-1 (never decoded as UTF-8), so that byte-wise comparisons and
 * {@link java.lang.String#compareTo} agree.
 */
@CheckReturnValue
@NullMarked
package dev.iommufw.of;

import com.google.errorprone.annotations.CheckReturnValue;
import org.jspecify.annotations.NullMarked;
