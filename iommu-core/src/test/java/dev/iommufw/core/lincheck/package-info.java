/**
 * Model checking and stress of {@link dev.iommufw.core.IommuCore} with Lincheck (both modes): the
 * home of the core's linearizability checks. {@code IommuCoreLincheckTest} covers every public
 * operation; {@code RaceLincheckTest} and {@code FirmwareInProbeRaceLincheckTest} the probe race
 * scenario on the two redesigned flows (must pass), {@code PreRedesignLincheckTest} on the
 * pre-redesign model (must fail).
 */
@NullMarked
package dev.iommufw.core.lincheck;

import org.jspecify.annotations.NullMarked;
