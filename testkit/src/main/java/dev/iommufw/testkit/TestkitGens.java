package dev.iommufw.testkit;

import static com.google.common.base.Preconditions.checkNotNull;

import dev.iommufw.machine.Machine;
import java.util.function.Function;
import org.quicktheories.core.Gen;
import org.quicktheories.impl.Constraint;

/**
 * QuickTheories wrappers of {@link Generators}. Each draw goes through QuickTheories' own
 * randomness source with its range as the constraint, so failing examples shrink toward the
 * smallest draws: fewer devices, schedules nearer the reference order.
 */
public final class TestkitGens {
  private TestkitGens() {}

  /**
   * Any generator function as a {@code Gen}.
   *
   * @param <T> the generated type
   * @param generator a plain function of a random source
   * @return the {@code Gen}
   */
  public static <T> Gen<T> of(Function<RandomSource, T> generator) {
    checkNotNull(generator);
    return in -> generator.apply((lo, hi) -> in.next(Constraint.between(lo, hi)));
  }

  /**
   * Generated machines ({@link Generators#machineSpec}).
   *
   * @return the {@code Gen}
   */
  public static Gen<MachineSpec> machineSpecs() {
    return of(Generators::machineSpec);
  }

  /**
   * Sequential schedules of a machine ({@link Generators#schedule}, up to 3 retries).
   *
   * @param machine the machine
   * @return the {@code Gen}
   */
  public static Gen<BootSchedule> schedules(Machine machine) {
    return of(r -> Generators.schedule(r, machine, 3));
  }

  /**
   * Schedules dealt to threads ({@link Generators#concurrentSchedule}, up to 3 retries).
   *
   * @param machine the machine
   * @param threads the number of threads
   * @return the {@code Gen}
   */
  public static Gen<BootSchedule> concurrentSchedules(Machine machine, int threads) {
    return of(r -> Generators.concurrentSchedule(r, machine, 3, threads));
  }
}
