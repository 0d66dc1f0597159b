package dev.iommufw.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code machine.json}'s {@code kernel}: {@code MAJOR.MINOR}, ordered numerically. */
class KernelVersionTest {
  @Test
  void theCorpusVersionsParse() {
    assertThat(KernelVersion.parse("6.1")).contains(new KernelVersion(6, 1));
    assertThat(KernelVersion.parse("6.12")).contains(new KernelVersion(6, 12));
    assertThat(KernelVersion.parse("6.15")).contains(new KernelVersion(6, 15));
    assertThat(KernelVersion.parse("6.18")).contains(new KernelVersion(6, 18));
    assertThat(KernelVersion.parse("7.3")).contains(new KernelVersion(7, 3));
    assertThat(KernelVersion.parse("7.0")).contains(new KernelVersion(7, 0));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "6",
        "6.",
        ".12",
        "6.12.117",
        "06.12",
        "6.012",
        "6,12",
        " 6.12",
        "6.12 ",
        "v6.12",
        "6.-1",
        "6.1a",
        "99999.1",
        "6.99999",
        "６.１２"
      })
  void anythingElseIsNotAVersion(String text) {
    assertThat(KernelVersion.parse(text)).isEqualTo(Optional.empty());
  }

  @Test
  void versionsOrderNumericallyNotAsText() {
    assertThat(new KernelVersion(6, 9)).isLessThan(new KernelVersion(6, 12));
    assertThat(new KernelVersion(6, 12)).isLessThan(new KernelVersion(6, 15));
    assertThat(new KernelVersion(6, 18)).isLessThan(new KernelVersion(7, 0));
    assertThat(new KernelVersion(7, 3).toString()).isEqualTo("7.3");
  }

  @Test
  void theFirmwareParseMovesIntoTheProbePathAt615() {
    assertThat(new KernelVersion(6, 1).firmwareInProbe()).isFalse();
    assertThat(new KernelVersion(6, 12).firmwareInProbe()).isFalse();
    assertThat(new KernelVersion(6, 14).firmwareInProbe()).isFalse();
    assertThat(new KernelVersion(6, 15).firmwareInProbe()).isTrue();
    assertThat(new KernelVersion(6, 18).firmwareInProbe()).isTrue();
    assertThat(new KernelVersion(7, 3).firmwareInProbe()).isTrue();
  }

  @Test
  void negativeNumbersAreMisuse() {
    assertThatThrownBy(() -> new KernelVersion(-1, 0)).isInstanceOf(IllegalArgumentException.class);
  }
}
