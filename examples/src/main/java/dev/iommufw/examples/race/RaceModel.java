package dev.iommufw.examples.race;

/**
 * The race scenario (see the probe-race guide page): device D is described as {@code iommus = <&S
 * 1>, <&S 2>}; D's driver probes (the DMA-configure step) while S's driver registers S. In every
 * serial order, and so in every correct interleaving, D ends bound to S with stream IDs {@code [1,
 * 2]}: {@link #state()} answers {@link #BOUND}.
 *
 * <p>One model instance is one boot; each operation runs at most once per boot in the demo.
 */
public interface RaceModel {
  /** The state of a boot that ended correctly. */
  String BOUND = "ok [1, 2]";

  /** D's driver probes: the glue configures D (or defers on S) and the core probes D. */
  void configure();

  /** S's driver registers S: the registry learns S, then D is probed or retried. */
  void register();

  /**
   * D's state: {@code ok [ids]} when bound to S, else {@code unbound}. Deliberately coarse: a
   * device waiting for S, one never configured, and one whose probe is in flight all read {@code
   * unbound}, so that the view is one every correct design can answer atomically.
   *
   * @return the state
   */
  String state();

  /**
   * Everything wrong with the boot's end that {@link #state()} does not show (leaked or
   * double-freed fwspecs), or the empty string.
   *
   * @return the problems
   */
  String leaks();
}
