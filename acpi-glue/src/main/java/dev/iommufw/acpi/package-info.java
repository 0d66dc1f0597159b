/** Placeholder package documentation; replaced as the module grows. */
@NullMarked
package dev.iommufw.acpi;

import org.jspecify.annotations.NullMarked;
