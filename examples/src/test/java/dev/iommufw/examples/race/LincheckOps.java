package dev.iommufw.examples.race;

import dev.iommufw.core.testing.Tries;

/** Runs a model operation, turning a crash into a result Lincheck compares (and prints). */
final class LincheckOps {
  private LincheckOps() {}

  static String run(Runnable op) {
    try {
      op.run();
      return "done";
    } catch (RuntimeException e) {
      return e.getClass().getSimpleName() + ": " + e.getMessage();
    }
  }

  /** Lincheck's iteration count, scaled like every try count by {@code -Diommufw.tries=N}. */
  static int iterations(int base) {
    return Tries.scaled(base);
  }
}
