/**
 * The differential harness: reads what a real Linux kernel decided on a QEMU machine (from the
 * console log the guest prints), writes it as a machine description and a machine report, and
 * compares it with the library's prediction; generates random QEMU topologies from a seed.
 *
 * <p>The shell command {@code kernel-diff/bin/kernel-diff} does the host work (packages, QEMU) and
 * calls {@link dev.iommufw.kerneldiff.KernelDiff} for everything that parses or compares.
 */
@NullMarked
package dev.iommufw.kerneldiff;

import org.jspecify.annotations.NullMarked;
