/**
 * Test support shared by every module's tests, published as iommu-core's {@code test-jar}
 * (restricted to this package): the one stand-in driver ({@link
 * dev.iommufw.core.testing.StandInDriver}), the one pre-redesign model ({@link
 * dev.iommufw.core.testing.PreRedesignCore}), the one try-count scale ({@link
 * dev.iommufw.core.testing.Tries}) and the {@link dev.iommufw.core.testing.IommuOpsContract} that
 * every driver passes.
 *
 * <p>It lives in iommu-core's test sources because iommu-core's own tests use it: a separate
 * test-support module would depend on iommu-core and could not be used by iommu-core's tests
 * without a reactor cycle.
 */
@NullMarked
package dev.iommufw.core.testing;

import org.jspecify.annotations.NullMarked;
