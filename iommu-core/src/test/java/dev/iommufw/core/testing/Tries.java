package dev.iommufw.core.testing;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * The one scale for every try count in the test suites: property-test examples, Lincheck iterations
 * and race-harness iterations.
 *
 * <p>The system property {@code iommufw.tries} is a <b>multiplier</b> of each test's own default
 * count: a test that runs {@code n} tries by default runs {@code round(n * factor)}, at least 1.
 * Unset, the factor is 1 (what CI runs). Fractions are allowed: {@code -Diommufw.tries=0.1} runs a
 * tenth of every default (a quick local pass), {@code -Diommufw.tries=10} ten times every default
 * (a long run). A value that is not a positive finite number fails fast, so that a typo does not
 * silently run the defaults.
 */
public final class Tries {
  /** The system property that scales every try count. */
  public static final String PROPERTY = "iommufw.tries";

  private Tries() {}

  /**
   * The multiplier.
   *
   * @return {@code iommufw.tries} as a number, or 1 when unset
   * @throws IllegalArgumentException if it is set but not a positive finite number
   */
  public static double factor() {
    String value = System.getProperty(PROPERTY);
    if (value == null || value.isBlank()) {
      return 1;
    }
    double factor;
    try {
      factor = Double.parseDouble(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "-D" + PROPERTY + "=" + value + ": not a number (a multiplier such as 0.1, 1 or 10)", e);
    }
    checkArgument(
        factor > 0 && Double.isFinite(factor),
        "-D%s=%s: the multiplier must be a positive finite number",
        PROPERTY,
        value);
    return factor;
  }

  /**
   * A test's default try count, scaled.
   *
   * @param base the count at factor 1, positive
   * @return {@code round(base * factor())}, at least 1, saturated at {@link Integer#MAX_VALUE}
   * @throws IllegalArgumentException if {@code base} is not positive
   */
  public static int scaled(int base) {
    return (int) Math.min(Integer.MAX_VALUE, scaled((long) base));
  }

  /**
   * A default try count that may exceed an {@code int}, scaled.
   *
   * @param base the count at factor 1, positive
   * @return {@code round(base * factor())}, at least 1
   * @throws IllegalArgumentException if {@code base} is not positive
   */
  public static long scaled(long base) {
    checkArgument(base > 0, "base %s", base);
    double scaled = Math.rint(base * factor());
    return (long) Math.max(1, Math.min((double) Long.MAX_VALUE, scaled));
  }
}
