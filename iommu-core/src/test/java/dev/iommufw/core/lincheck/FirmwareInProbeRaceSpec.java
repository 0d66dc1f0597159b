package dev.iommufw.core.lincheck;

/**
 * The sequential model of the race in the Linux 6.15+ flow (Lincheck's sequential specification):
 * S's registration binds D, which exists before anything runs, whether or not D's driver has
 * probed; D's driver probe alone binds nothing while S is not registered.
 */
public class FirmwareInProbeRaceSpec {
  private boolean registered;

  /** A fresh boot. */
  public FirmwareInProbeRaceSpec() {}

  /**
   * D's driver probes.
   *
   * @return {@code done}
   */
  public String configure() {
    return "done";
  }

  /**
   * S registers.
   *
   * @return {@code done}
   */
  public String register() {
    registered = true;
    return "done";
  }

  /**
   * D's state.
   *
   * @return {@link RaceSpec#BOUND} or {@code unbound}
   */
  public String state() {
    return registered ? RaceSpec.BOUND : "unbound";
  }
}
