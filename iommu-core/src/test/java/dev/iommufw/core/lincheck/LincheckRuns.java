package dev.iommufw.core.lincheck;

import dev.iommufw.core.IommuException;
import dev.iommufw.core.testing.Tries;
import org.jetbrains.lincheck.datastructures.ManagedStrategyGuaranteeKt;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.StressOptions;

/** The Lincheck options of this package, scaled by {@link Tries} ({@code -Diommufw.tries}). */
final class LincheckRuns {
  private LincheckRuns() {}

  /** Lincheck's iteration count: {@code base} times the try multiplier. */
  static int iterations(int base) {
    return Tries.scaled(base);
  }

  /**
   * Model checking with the JDK collections treated as atomic: the core touches its collections
   * only under its locks, whose acquisitions stay switch points, so nothing is lost; without it
   * Lincheck mistakes a 64-slot {@code IdentityHashMap.clear()} for a livelock and enumerates
   * switches inside collection internals that no other thread can see.
   */
  static ModelCheckingOptions modelChecking(int iterations, int invocations) {
    return new ModelCheckingOptions()
        .addGuarantee(
            ManagedStrategyGuaranteeKt.forClasses(
                    "java.util.IdentityHashMap",
                    "java.util.HashMap",
                    "java.util.LinkedHashMap",
                    "java.util.HashSet",
                    "java.util.LinkedHashSet",
                    "java.util.ArrayList",
                    "java.util.TreeMap")
                .allMethods()
                .treatAsAtomic())
        .iterations(iterations(iterations))
        .invocationsPerIteration(invocations)
        .threads(2)
        .actorsPerThread(2)
        .actorsBefore(1)
        .actorsAfter(1);
  }

  static StressOptions stress(int iterations, int invocations) {
    return new StressOptions()
        .iterations(iterations(iterations))
        .invocationsPerIteration(invocations)
        .threads(2)
        .actorsPerThread(2)
        .actorsBefore(1)
        .actorsAfter(1);
  }

  /** An operation's outcome as a value Lincheck compares: {@code done} or the failure's kind. */
  static String run(Runnable op) {
    try {
      op.run();
      return "done";
    } catch (RuntimeException e) {
      return e.getClass().getSimpleName();
    }
  }

  /** Like {@link #run} for an operation that may fail with a typed errno. */
  static String runChecked(CheckedOp op) {
    try {
      op.run();
      return "done";
    } catch (IommuException e) {
      return e.errno().name();
    } catch (RuntimeException e) {
      return e.getClass().getSimpleName();
    }
  }

  @FunctionalInterface
  interface CheckedOp {
    void run() throws IommuException;
  }
}
