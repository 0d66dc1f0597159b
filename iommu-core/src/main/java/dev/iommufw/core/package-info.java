/** Placeholder package documentation; replaced as the module grows. */
@NullMarked
package dev.iommufw.core;

import org.jspecify.annotations.NullMarked;
