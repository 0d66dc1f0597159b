package dev.iommufw.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code -Diommufw.tries} is one multiplier of each test's default count. */
class TriesTest {
  private @Nullable String saved;

  @BeforeEach
  void save() {
    saved = System.getProperty(Tries.PROPERTY);
  }

  @AfterEach
  void restore() {
    String s = saved;
    if (s == null) {
      System.clearProperty(Tries.PROPERTY);
    } else {
      System.setProperty(Tries.PROPERTY, s);
    }
  }

  @Test
  void unsetRunsEachDefault() {
    System.clearProperty(Tries.PROPERTY);
    assertThat(Tries.scaled(200)).isEqualTo(200);
    assertThat(Tries.scaled(2000L)).isEqualTo(2000L);
  }

  @Test
  void aFactorMultipliesEveryDefaultAndFractionsShrinkThem() {
    System.setProperty(Tries.PROPERTY, "2");
    assertThat(Tries.scaled(200)).isEqualTo(400);
    assertThat(Tries.scaled(1500)).isEqualTo(3000);
    System.setProperty(Tries.PROPERTY, "0.1");
    assertThat(Tries.scaled(200)).isEqualTo(20);
    assertThat(Tries.scaled(3)).isEqualTo(1); // never below one try
    System.setProperty(Tries.PROPERTY, "5000");
    assertThat(Tries.scaled(2000L)).isEqualTo(10_000_000L);
    System.setProperty(Tries.PROPERTY, "1e12");
    assertThat(Tries.scaled(2000)).isEqualTo(Integer.MAX_VALUE);
  }

  @Test
  void aValueThatIsNotAPositiveNumberFailsFast() {
    for (String bad : new String[] {"ten", "0", "-1", "NaN", "Infinity"}) {
      System.setProperty(Tries.PROPERTY, bad);
      assertThatThrownBy(() -> Tries.scaled(10))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(Tries.PROPERTY);
    }
  }
}
