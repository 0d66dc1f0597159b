/** Placeholder package documentation; replaced as the module grows. */
@NullMarked
package dev.iommufw.examples;

import org.jspecify.annotations.NullMarked;
