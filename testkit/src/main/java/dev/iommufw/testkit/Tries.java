package dev.iommufw.testkit;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * Try counts for property tests, scaled by the system property {@code iommufw.tries}: a test
 * that runs {@code n} tries by default runs {@code n * factor} with {@code
 * -Diommufw.tries=factor} (default 1, so that CI stays fast; raise it for long runs, e.g.
 * {@code mvn -Diommufw.tries=100 test}).
 */
public final class Tries {
  /** The system property that scales every try count. */
  public static final String PROPERTY = "iommufw.tries";

  private Tries() {}

  /**
   * The scale factor.
   *
   * @return {@code iommufw.tries}, or 1 when unset or not a positive integer
   */
  public static int factor() {
    String value = System.getProperty(PROPERTY);
    if (value == null) {
      return 1;
    }
    try {
      return Math.max(1, Integer.parseInt(value.trim()));
    } catch (NumberFormatException e) {
      return 1;
    }
  }

  /**
   * A default try count, scaled.
   *
   * @param base the count at factor 1, positive
   * @return {@code base * factor()}, saturated at {@link Integer#MAX_VALUE}
   * @throws IllegalArgumentException if {@code base} is not positive
   */
  public static int scaled(int base) {
    checkArgument(base > 0, "base %s", base);
    return (int) Math.min(Integer.MAX_VALUE, (long) base * factor());
  }
}
