/** JMH benchmarks of iommufw (being written). */
@NullMarked
package dev.iommufw.benchmarks;

import org.jspecify.annotations.NullMarked;
