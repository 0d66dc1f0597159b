package dev.iommufw.core.lincheck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.iommufw.core.testing.PreRedesignCore;
import org.jetbrains.lincheck.LincheckAssertionError;
import org.jetbrains.lincheck.datastructures.Operation;
import org.junit.jupiter.api.Test;

/**
 * The check of {@link RaceLincheckTest} on the pre-redesign model ({@link
 * PreRedesignCore.RaceBoot}): Lincheck's model checking must find an interleaving of D's probe and
 * S's registration that no serial order explains (R1 or R2 of kernel-model.md §5), and the test
 * prints it. This proves that the check can see the race it guards against.
 */
public class PreRedesignLincheckTest {
  private final PreRedesignCore.RaceBoot boot = new PreRedesignCore.RaceBoot(1, 2);

  /**
   * D's driver probes.
   *
   * @return {@code done}, or the exception
   */
  @Operation(nonParallelGroup = "configure")
  public String configure() {
    return LincheckRuns.run(boot::configure);
  }

  /**
   * S registers.
   *
   * @return {@code done}, or the exception
   */
  @Operation(nonParallelGroup = "register")
  public String register() {
    return LincheckRuns.run(boot::register);
  }

  /**
   * D's state.
   *
   * @return the state
   */
  @Operation
  public String state() {
    String leaks = boot.leaks();
    return leaks.isEmpty() ? boot.state() : leaks;
  }

  @Test
  void modelCheckingFindsTheRace() {
    Throwable failure =
        catchThrowable(
            () ->
                LincheckRuns.modelChecking(10, 200)
                    .actorsBefore(0)
                    .sequentialSpecification(RaceSpec.class)
                    .check(getClass()));
    assertThat(failure).isInstanceOf(LincheckAssertionError.class);
    String message = String.valueOf(failure.getMessage());
    int detail = message.indexOf("Detailed trace:");
    System.out.println(
        "pre-redesign: Lincheck's breaking interleaving:\n"
            + (detail < 0 ? message : message.substring(0, detail)));
    assertThat(message).contains("configure").contains("register");
  }
}
