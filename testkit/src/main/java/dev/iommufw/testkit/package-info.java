/**
 * Property-testing support for code built on iommufw: generators of firmware, machines and boot
 * schedules ({@link dev.iommufw.testkit.Generators}, plain functions of a random source, with
 * QuickTheories wrappers in {@link dev.iommufw.testkit.TestkitGens}), and a machine harness ({@link
 * dev.iommufw.testkit.MachineHarness}) that boots a machine with its events in any order,
 * sequentially or on real threads, and checks the end state against the reference boot.
 */
@NullMarked
package dev.iommufw.testkit;

import org.jspecify.annotations.NullMarked;
