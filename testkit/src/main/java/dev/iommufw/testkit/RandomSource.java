package dev.iommufw.testkit;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The one primitive every generator of this package is built on: a long in a closed range. Any
 * property-testing library can supply it (QuickTheories through {@link TestkitGens}, which maps it
 * onto its own shrinking source; jqwik, junit-quickcheck or a plain {@link RandomGenerator} through
 * {@link #of(RandomGenerator)}). Generators draw values toward {@code lo} when they shrink, so
 * smaller draws mean smaller machines and shorter schedules.
 */
@FunctionalInterface
public interface RandomSource {
  /**
   * A value in {@code [lo, hi]}.
   *
   * @param lo the smallest value
   * @param hi the largest value, at least {@code lo}
   * @return a value in range
   */
  long between(long lo, long hi);

  /**
   * A random source over a JDK generator (a seeded {@link java.util.SplittableRandom} makes runs
   * reproducible).
   *
   * @param random the generator
   * @return the source
   */
  static RandomSource of(RandomGenerator random) {
    checkNotNull(random);
    return (lo, hi) -> {
      checkArgument(lo <= hi, "empty range [%s, %s]", lo, hi);
      if (hi == Long.MAX_VALUE && lo == Long.MIN_VALUE) {
        return random.nextLong();
      }
      return hi == Long.MAX_VALUE ? random.nextLong(lo - 1, hi) + 1 : random.nextLong(lo, hi + 1);
    };
  }

  /**
   * An int in {@code [lo, hi]}.
   *
   * @param lo the smallest value
   * @param hi the largest value
   * @return a value in range
   */
  default int intBetween(int lo, int hi) {
    return (int) between(lo, hi);
  }

  /**
   * A coin flip, false when shrunk.
   *
   * @return true or false
   */
  default boolean bool() {
    return between(0, 1) == 1;
  }

  /**
   * An element of a non-empty list, the first when shrunk.
   *
   * @param <T> the element type
   * @param list the choices
   * @return one of them
   * @throws IllegalArgumentException if the list is empty
   */
  default <T> T pick(List<T> list) {
    checkArgument(!list.isEmpty(), "nothing to pick from");
    return list.get(intBetween(0, list.size() - 1));
  }

  /**
   * A permutation (Fisher–Yates); a fully shrunk source gives the list in its original order.
   *
   * @param <T> the element type
   * @param list the elements
   * @return a new list with the same elements in a random order
   */
  default <T> List<T> shuffle(List<T> list) {
    List<T> out = new ArrayList<>(list);
    for (int i = 0; i < out.size() - 1; i++) {
      int j = i + intBetween(0, out.size() - 1 - i);
      T t = out.get(i);
      out.set(i, out.get(j));
      out.set(j, t);
    }
    return out;
  }
}
