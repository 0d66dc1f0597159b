/**
 * Model checking and stress of {@link dev.iommufw.core.IommuCore} with Lincheck (both modes): the
 * home of the core's linearizability checks. {@code IommuCoreLincheckTest} covers every public
 * operation; {@code RaceLincheckTest} and {@code PreRedesignLincheckTest} the probe race scenario
 * on the redesign (must pass) and on the pre-redesign model (must fail).
 */
@NullMarked
package dev.iommufw.core.lincheck;

import org.jspecify.annotations.NullMarked;
