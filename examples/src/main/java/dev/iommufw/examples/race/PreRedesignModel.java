package dev.iommufw.examples.race;

import dev.iommufw.core.testing.PreRedesignCore;

/**
 * The race scenario on the deliberately racy model of the IOMMU core and OF glue <em>before</em>
 * the redesign (Linux 6.7-rc1): a {@link PreRedesignCore.RaceBoot} of the project's one
 * pre-redesign model (iommu-core's test support), with D described as {@code iommus = <&S 1>, <&S
 * 2>}.
 *
 * <p>Racy exactly where the kernel was: the glue writes D's IOMMU slot ({@code dev->iommu}) with no
 * lock, and the registration's bus walk, under a probe lock private to probing, frees the slot
 * under the glue's feet (R1) or accepts a half-built fwspec (R2). Freed objects are marked, not
 * reclaimed, so a use after free throws {@link IllegalStateException}; a write through a slot
 * pointer that became null throws {@link NullPointerException}.
 */
public final class PreRedesignModel implements RaceModel {
  private final PreRedesignCore.RaceBoot boot = new PreRedesignCore.RaceBoot(1, 2);

  /** A fresh boot: S not registered, D unprobed. */
  public PreRedesignModel() {}

  @Override
  public void configure() {
    boot.configure();
  }

  @Override
  public void register() {
    boot.register();
  }

  @Override
  public String state() {
    return boot.state();
  }

  @Override
  public String leaks() {
    return boot.leaks();
  }
}
