package dev.iommufw.examples.race;

import dev.iommufw.core.ProbeFlow;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.junit.jupiter.api.Test;

/**
 * Linearizability of {@link dev.iommufw.core.IommuCore} in the Linux 6.15+ flow ({@link
 * ProbeFlow#firmwareInProbe()}) for the race scenario's operations — D's driver probe, S's
 * registration (whose walk configures D from inside the core's probe path), and reading D's state
 * — against {@link FirmwareInProbeRaceSpec}, by Lincheck's model checking. Iterations scale with
 * {@code -Diommufw.tries=N}.
 *
 * <p>Named to run after {@link RedesignLincheckTest} in the same fork: on a heavily loaded machine
 * the first Lincheck test to touch the core's classes pays for Lincheck instrumenting them, which
 * its hang detector has mistaken for a hung execution.
 */
public class UpstreamProbePathLincheckTest {
  private final CoreRaceModel model = new CoreRaceModel(ProbeFlow.firmwareInProbe());

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
        .sequentialSpecification(FirmwareInProbeRaceSpec.class)
        .check(getClass());
  }
}
