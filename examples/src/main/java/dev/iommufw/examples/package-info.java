/**
 * Runnable demos: {@link dev.iommufw.examples.CoreDemo} builds a small system in code and shows
 * deferral and retry; {@link dev.iommufw.examples.RaceDemo} runs the original probe race on real
 * threads against a model of the pre-redesign core and against the redesigned core.
 */
@NullMarked
package dev.iommufw.examples;

import org.jspecify.annotations.NullMarked;
