package dev.iommufw.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iommufw.core.testing.StandInDriver;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The slot accessors assert the probe lock as the series' lockdep annotations do (kernel-model.md
 * §1.7, patches 11, 16, 17): they fail without it and work inside driver callbacks.
 */
class LockAssertionTest {
  private final Fixture fx = Fixture.registered();
  private final IommuCore core = fx.core;

  @Test
  void slotAccessorsThrowWithoutTheProbeLock() throws IommuException {
    Device dev = fx.addDevice("dev");
    core.probeDevice(dev, fx.build(dev, 1)); // the slot exists: only the lock is missing
    assertThat(core.holdsProbeLock()).isFalse();
    assertThatThrownBy(core::assertProbeLockHeld).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> core.fwspec(dev)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> core.priv(dev)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> core.setPriv(dev, "x")).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> core.fwspecAddIds(dev, 2)).isInstanceOf(IllegalStateException.class);
    assertThat(dev.iommuBinding().orElseThrow().ids().asList()).containsExactly(1);
  }

  @Test
  void slotAccessorsWorkInsideProbeDevice() throws IommuException {
    Device dev = fx.addDevice("dev");
    IommuFwspec fwspec = fx.build(dev, 4, 5);
    List<@Nullable Object> seen = new ArrayList<>();
    AtomicReference<@Nullable Throwable> addIds = new AtomicReference<>();
    fx.driver.probeHook =
        (c, d) -> {
          assertThat(c.holdsProbeLock()).isTrue();
          c.assertProbeLockHeld();
          IommuFwspec installed = Objects.requireNonNull(c.fwspec(d));
          seen.add(installed);
          assertThat(installed.state()).isEqualTo(FwspecState.INSTALLED);
          assertThat(installed.ids().toArray()).containsExactly(4, 5);
          seen.add(c.priv(d));
          c.setPriv(d, "mine");
          seen.add(c.priv(d));
          try {
            c.fwspecAddIds(d, 6); // only for a fwspec being translated: EINVAL, not a lock error
          } catch (IommuException e) {
            addIds.set(e);
          }
        };

    assertThat(core.probeDevice(dev, fwspec)).isInstanceOf(ProbeResult.Bound.class);

    assertThat(seen).containsExactly(fwspec, null, "mine");
    assertThat(addIds.get()).isInstanceOf(IommuException.class);
    assertThat(((IommuException) Objects.requireNonNull(addIds.get())).errno())
        .isEqualTo(Errno.EINVAL);
    assertThat(fwspec.ids().toArray()).containsExactly(4, 5);
  }

  @Test
  void accessorsSeeNothingForADeviceWithoutSlot() {
    Device bare = fx.addDevice("bare");
    Device dev = fx.addDevice("dev");
    List<@Nullable Object> seen = new ArrayList<>();
    AtomicReference<@Nullable Throwable> setPriv = new AtomicReference<>();
    fx.driver.probeHook =
        (c, d) -> {
          seen.add(c.fwspec(bare));
          seen.add(c.priv(bare));
          try {
            c.setPriv(bare, "x"); // no dev->iommu: the kernel would crash; Java throws
          } catch (IllegalStateException e) {
            setPriv.set(e);
          }
        };
    try {
      core.probeDevice(dev, fx.build(dev, 1));
    } catch (IommuException e) {
      throw new AssertionError(e);
    }
    assertThat(seen).containsExactly(null, null);
    assertThat(setPriv.get()).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void lockIsPerThread() throws IommuException, InterruptedException {
    Device dev = fx.addDevice("dev");
    AtomicReference<@Nullable Throwable> fromOtherThread = new AtomicReference<>();
    fx.driver.probeHook =
        (c, d) -> {
          Thread t =
              new Thread(
                  () -> {
                    try {
                      var unused = c.fwspec(d);
                    } catch (Throwable e) {
                      fromOtherThread.set(e);
                    }
                  });
          t.start();
          try {
            t.join();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        };
    core.probeDevice(dev, fx.build(dev, 1));
    assertThat(fromOtherThread.get()).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void releaseAndDeviceGroupRunUnderTheLockAndFinalizeOutside() throws IommuException {
    Device dev = fx.addDevice("dev");
    core.probeDevice(dev, fx.build(dev, 1));
    core.releaseDevice(dev);
    assertThat(fx.driver.releaseHeldLock).containsExactly(true);
    assertThat(fx.driver.finalizeHeldLock).containsExactly(false);
    assertThat(core.holdsProbeLock()).isFalse();
  }

  @Test
  void lockIsReleasedAfterEveryOperation() throws IommuException {
    Device dev = fx.addDevice("dev");
    fx.driver.rejectInProbe.add(9);
    core.probeDevice(dev, fx.build(dev, 9));
    assertThat(core.holdsProbeLock()).isFalse();
    fx.driver.throwFromProbe = true;
    assertThatThrownBy(() -> core.probeDevice(dev, fx.build(dev, 1)))
        .isInstanceOf(StandInDriver.DriverBug.class);
    assertThat(core.holdsProbeLock()).isFalse();
    fx.driver.throwFromProbe = false;
    core.probeDevice(dev, fx.build(dev, 1));
    core.unregisterInstance(fx.instance);
    assertThat(core.holdsProbeLock()).isFalse();
  }
}
