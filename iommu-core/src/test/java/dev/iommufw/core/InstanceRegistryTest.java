package dev.iommufw.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iommufw.core.testing.StandInDriver;
import org.junit.jupiter.api.Test;

/**
 * The instance registry on its own (the core calls it under its registry lock; a single-threaded
 * test needs no lock): the epoch, which no public method shows, and which tells a deferral that
 * raced with a registration or a policy change from a stale one. Look-up by node, order, readiness
 * and double registration are covered through {@link IommuCore} in {@code IommuCoreRegistryTest}
 * and {@code FirmwareInProbeFlowTest}.
 */
class InstanceRegistryTest {
  private final InstanceRegistry registry = new InstanceRegistry();
  private final IommuCore core = new IommuCore();
  private final StandInDriver driver = StandInDriver.create("test-smmu");
  private final FwNode node = FwNode.create("/smmu@9050000");

  @Test
  void theEpochMovesWhenADeferralMaySucceedAndOnlyThen() {
    IommuInstance walked = driver.newInstance("walked", node);
    IommuInstance aborted = driver.newInstance("aborted", FwNode.create("/smmu@a000000"));
    long epoch = registry.epoch();

    registry.register(walked, core, /* walking= */ true);
    assertThat(registry.epoch()).isGreaterThan(epoch);
    epoch = registry.epoch();
    registry.markReady(walked);
    assertThat(registry.epoch()).isGreaterThan(epoch);
    epoch = registry.epoch();
    registry.bumpEpoch(); // a policy change
    assertThat(registry.epoch()).isGreaterThan(epoch);

    registry.register(aborted, core, /* walking= */ true);
    epoch = registry.epoch();
    registry.unregister(aborted);
    registry.abandonWalk(aborted);
    registry.unregister(walked);
    assertThat(registry.epoch()).isEqualTo(epoch);
  }

  @Test
  void anInstanceCannotRegisterAgainWhileTheWalkOfItsPreviousRegistrationRuns() {
    IommuInstance instance = driver.newInstance("smmu0", node);
    registry.register(instance, core, /* walking= */ true);
    registry.unregister(instance); // from under the walk, which still owns the mark

    assertThatThrownBy(() -> registry.register(instance, core, /* walking= */ true))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("registration walk runs");
    assertThat(registry.snapshot()).isEmpty(); // nothing changed

    registry.abandonWalk(instance);
    registry.register(instance, core, /* walking= */ true);
    assertThat(registry.isReady(instance)).isFalse();
  }
}
