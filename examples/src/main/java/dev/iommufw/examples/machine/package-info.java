/**
 * Views of a booted machine for people: the PCI tree as {@code lspci -tv} draws it, annotated
 * with driver, IOMMU instance, IDs and group ({@link dev.iommufw.examples.machine.MachineText}),
 * and a Graphviz graph ({@link dev.iommufw.examples.machine.MachineDot}).
 */
@NullMarked
package dev.iommufw.examples.machine;

import org.jspecify.annotations.NullMarked;
