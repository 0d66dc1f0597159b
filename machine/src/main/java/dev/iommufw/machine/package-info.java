/**
 * Whole machines (<a href="{@docRoot}/dev/iommufw/core/doc-files/machine-format.html">the
 * machine.json format</a>, <a href="{@docRoot}/dev/iommufw/core/doc-files/kernel-rules.html">the
 * rules the boot follows</a>): a machine description ({@code machine.json} with its firmware
 * files), the boot as an explicit list of {@link dev.iommufw.machine.BootEvent}s run against an
 * {@link dev.iommufw.core.IommuCore}, the immutable end state, and the machine report.
 */
@CheckReturnValue
@NullMarked
package dev.iommufw.machine;

import com.google.errorprone.annotations.CheckReturnValue;
import org.jspecify.annotations.NullMarked;
