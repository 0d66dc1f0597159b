package dev.iommufw.examples.race;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import org.jetbrains.lincheck.LincheckAssertionError;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.junit.jupiter.api.Test;

/**
 * The same check as {@link RedesignLincheckTest}, on the pre-redesign model: Lincheck's model
 * checking must find an interleaving of D's probe and S's registration that no serial order
 * explains (R1 or R2 of kernel-model.md §5), and the test prints it.
 */
public class PreRedesignLincheckTest {
  private final PreRedesignModel model = new PreRedesignModel();

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
  void modelCheckingFindsTheRace() {
    Throwable failure = catchThrowable(() -> new ModelCheckingOptions()
        .iterations(LincheckOps.iterations(10))
        .invocationsPerIteration(200)
        .threads(2)
        .actorsPerThread(2)
        .actorsBefore(0)
        .actorsAfter(1)
        .sequentialSpecification(RaceSpec.class)
        .check(getClass()));
    assertThat(failure).isInstanceOf(LincheckAssertionError.class);
    String message = String.valueOf(failure.getMessage());
    int detail = message.indexOf("Detailed trace:");
    System.out.println("pre-redesign: Lincheck's breaking interleaving:\n"
        + (detail < 0 ? message : message.substring(0, detail)));
    assertThat(message).contains("configure").contains("register");
  }
}
