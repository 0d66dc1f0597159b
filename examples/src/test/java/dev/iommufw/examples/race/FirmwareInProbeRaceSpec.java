package dev.iommufw.examples.race;

/**
 * The sequential model of the race in the Linux 6.15+ flow (Lincheck's sequential specification):
 * D exists before anything runs, so S's registration, whose walk configures every device present,
 * binds D whether or not D's driver has probed; D's driver probe alone binds nothing while S is
 * not registered.
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
   * @return as {@link RaceModel#state()}
   */
  public String state() {
    return registered ? RaceModel.BOUND : "unbound";
  }
}
