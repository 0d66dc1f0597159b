/** Placeholder package documentation; replaced as the module grows. */
@NullMarked
package dev.iommufw.of;

import org.jspecify.annotations.NullMarked;
