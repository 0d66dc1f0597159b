package dev.iommufw.core.lincheck;

/**
 * The sequential model the race scenario is checked against (Lincheck's sequential specification):
 * S is registered or not, D was configured or not, and D is bound exactly when both happened, in
 * either order, because a deferred D is retried when S registers.
 */
public class RaceSpec {
  /** The state of a boot that ended correctly. */
  static final String BOUND = "ok [1, 2]";

  private boolean registered;
  private boolean configured;

  /** A fresh boot. */
  public RaceSpec() {}

  /**
   * D's driver probes.
   *
   * @return {@code done}
   */
  public String configure() {
    configured = true;
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
   * @return {@link #BOUND} or {@code unbound}
   */
  public String state() {
    return registered && configured ? BOUND : "unbound";
  }
}
