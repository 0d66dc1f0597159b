package dev.iommufw.core.lincheck;

import dev.iommufw.core.ProbeFlow;

/**
 * The probe race scenario of {@link RaceLincheckScenario} on the off-device hand-over flow ({@link
 * ProbeFlow#offDeviceHandover()}), in both Lincheck modes, against {@link RaceSpec}: D ends bound
 * exactly when both D's driver probe and S's registration have happened, in either order.
 */
public class RaceLincheckTest extends RaceLincheckScenario {
  /** A fresh boot: S not registered, D added but unprobed. */
  public RaceLincheckTest() {
    super(ProbeFlow.offDeviceHandover());
  }

  @Override
  Class<?> specification() {
    return RaceSpec.class;
  }
}
