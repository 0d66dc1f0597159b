/**
 * The probe race (a fwspec freed or reallocated while it is built, and a probe that sees it half
 * built) as a small scenario with two implementations: {@link
 * dev.iommufw.examples.race.PreRedesignModel}, a deliberately racy model of the kernel before the
 * redesign, and {@link dev.iommufw.examples.race.RedesignModel}, the real core and OF glue booting
 * the same device tree through the testkit. {@code RaceDemo} runs both on real threads.
 */
@NullMarked
package dev.iommufw.examples.race;

import org.jspecify.annotations.NullMarked;
