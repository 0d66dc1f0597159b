package dev.iommufw.examples.race;

import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.junit.jupiter.api.Test;

/**
 * Linearizability of the redesigned {@link dev.iommufw.core.IommuCore} for the race scenario's
 * operations — D's driver probe ({@code dmaConfigure} with a glue that builds the fwspec off the
 * device and hands it over), S's registration (which retries deferred devices), and reading D's
 * state (bound, with which IDs, or not) — against the sequential {@link
 * RaceSpec}, by Lincheck's model checking: it enumerates thread switches at the shared-memory
 * accesses, locks and monitors of the core ({@link CoreRaceModel}). Iterations scale with {@code
 * -Diommufw.tries=N}.
 */
public class RedesignLincheckTest {
  private final CoreRaceModel model = new CoreRaceModel();

  /**
   * D's driver probes.
   *
   * @return {@code done}, or the exception
   */
  @Operation(nonParallelGroup = "configure")
  public String configure() {
    return LincheckOps.run(model::configure);
  }

  /**
   * S registers.
   *
   * @return {@code done}, or the exception
   */
  @Operation(nonParallelGroup = "register")
  public String register() {
    return LincheckOps.run(model::register);
  }

  /**
   * D's state.
   *
   * @return the state
   */
  @Operation
  public String state() {
    return model.state();
  }

  @Test
  void modelChecking() {
    new ModelCheckingOptions()
        .iterations(LincheckOps.iterations(3))
        .invocationsPerIteration(100)
        .threads(2)
        .actorsPerThread(2)
        .actorsBefore(0)
        .actorsAfter(1)
        .sequentialSpecification(RaceSpec.class)
        .check(getClass());
  }
}
