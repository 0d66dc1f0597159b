package dev.iommufw.core.lincheck;

import dev.iommufw.core.ProbeFlow;

/**
 * The probe race scenario of {@link RaceLincheckScenario} on the Linux 6.15+ flow ({@link
 * ProbeFlow#firmwareInProbe()}), in both Lincheck modes, against {@link FirmwareInProbeRaceSpec}: D
 * exists before S registers, so S's registration, whose walk configures every present device from
 * inside the core's probe path, binds D whether or not D's driver has probed.
 */
public class FirmwareInProbeRaceLincheckTest extends RaceLincheckScenario {
  /** A fresh boot in the 6.15+ flow: S not registered, D added (and configured once, in vain). */
  public FirmwareInProbeRaceLincheckTest() {
    super(ProbeFlow.firmwareInProbe());
  }

  @Override
  Class<?> specification() {
    return FirmwareInProbeRaceSpec.class;
  }
}
