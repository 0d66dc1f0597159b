package dev.iommufw.core;

/**
 * Whether waiting for a missing IOMMU still makes sense (kernel: {@code
 * driver_deferred_probe_check_state()}).
 *
 * <p>When the firmware names an IOMMU whose instance has not registered, the core asks the policy
 * what to answer: keep deferring while the system boots; give up with {@link Errno#ENODEV} once all
 * built-in drivers have run and modules cannot load; or fail with {@link Errno#ETIMEDOUT} once the
 * deferred-probe timeout has expired.
 */
public enum DeferralPolicy {
  /** The system is booting: a missing IOMMU may still register ({@link Errno#EPROBE_DEFER}). */
  BOOTING(Errno.EPROBE_DEFER),
  /**
   * Initcalls are done and modules cannot load: the IOMMU will never come ({@link Errno#ENODEV}).
   */
  INITCALLS_DONE_NO_MODULES(Errno.ENODEV),
  /** The deferred-probe timeout has expired ({@link Errno#ETIMEDOUT}). */
  TIMEOUT_EXPIRED(Errno.ETIMEDOUT);

  private final Errno answer;

  DeferralPolicy(Errno answer) {
    this.answer = answer;
  }

  /**
   * What a look-up of a not-yet-registered IOMMU returns in this state.
   *
   * @return {@link Errno#EPROBE_DEFER}, {@link Errno#ENODEV} or {@link Errno#ETIMEDOUT}
   */
  public Errno answer() {
    return answer;
  }
}
