/**
 * The testkit: what tools, demos, benchmarks and users' property tests share — reference IOMMU
 * drivers ({@code dev.iommufw.testkit.drivers}), whole-machine boots, and generators and
 * harnesses for property tests.
 */
@NullMarked
package dev.iommufw.testkit;

import org.jspecify.annotations.NullMarked;
