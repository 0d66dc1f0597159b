package dev.iommufw.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.primitives.ImmutableIntArray;
import com.google.common.testing.NullPointerTester;
import dev.iommufw.core.testing.StandInDriver;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The driver's view of a device, {@link ProbeContext}, is opened under the probe lock and is good
 * only on that thread until the callback returns, as the series' lockdep annotations require of
 * every slot access (kernel-model.md §1.7, patches 11, 16, 17); driver callbacks run under the lock
 * except {@code probe_finalize}, and the lock is released after every operation.
 */
class ProbeContextTest {
  private final Fixture fx = Fixture.registered();
  private final IommuCore core = fx.core;

  @Test
  void aContextCannotBeOpenedWithoutTheProbeLock() {
    Device dev = fx.addDevice("dev");

    assertThat(core.holdsProbeLock()).isFalse();
    assertThatThrownBy(core::assertProbeLockHeld).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> new ProbeContext(core, dev))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("iommu_probe_device_lock not held");
  }

  @Test
  void everyAccessorFailsOnceTheCallbackHasReturned() throws IommuException {
    Device dev = fx.addDevice("dev");
    List<ProbeContext> kept = new ArrayList<>();
    fx.driver.probeHook = kept::add;
    core.probeDevice(dev, fx.build(dev, 1)); // the slot exists: only the callback is over
    ProbeContext ctx = kept.get(0);

    List<ThrowingCallable> accessors =
        List.of(
            ctx::device,
            ctx::fwspec,
            ctx::priv,
            () -> ctx.setPriv("x"),
            () -> ctx.addIds(2),
            () -> ctx.isRegistered(fx.instance),
            ctx::genericDeviceGroup,
            ctx::pciDeviceGroup);
    for (ThrowingCallable accessor : accessors) {
      assertThatThrownBy(accessor)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("after its driver callback returned");
    }
    assertThat(dev.iommuBinding().orElseThrow().ids().asList()).containsExactly(1);
    assertThat(ctx.toString()).isEqualTo("ProbeContext[" + dev + "]"); // diagnostics still work
  }

  @Test
  void noContextOutlivesItsCallbackInTranslationProbeOrRelease() throws IommuException {
    StandInDriver dart = StandInDriver.legacy("dart");
    FwNode dartNode = FwNode.create("/dart");
    core.registerInstance(dart.newInstance(dartNode));
    Device dev = fx.addDevice("legacy");
    IommuFwspec fwspec = core.allocFwspec();
    core.fwspecOfXlate(fwspec, dev, dartNode, ImmutableIntArray.of(7));
    assertThat(core.probeDevice(dev, fwspec)).isInstanceOf(ProbeResult.Bound.class);
    core.releaseDevice(dev);

    assertThat(dart.contexts).hasSize(3); // of_xlate, probe_device, release_device
    for (ProbeContext ctx : dart.contexts) {
      assertThatThrownBy(() -> ctx.addIds(8))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("after its driver callback returned");
    }
    assertThat(fwspec.state()).isEqualTo(FwspecState.FREED); // freed with the slot, untouched
  }

  /**
   * Guava's null checks, run where a context can exist (inside the callback); the package sanity
   * test, which cannot open one, leaves {@link ProbeContext} to this test.
   */
  @Test
  void testNulls() throws IommuException {
    Device dev = fx.addDevice("dev");
    List<ProbeContext> checked = new ArrayList<>();
    fx.driver.probeHook =
        ctx -> {
          new NullPointerTester()
              .setDefault(IommuInstance.class, fx.instance)
              .testAllPublicInstanceMethods(ctx);
          checked.add(ctx);
        };

    assertThat(core.probeDevice(dev, fx.build(dev, 1))).isInstanceOf(ProbeResult.Bound.class);
    assertThat(checked).hasSize(1);
  }

  @Test
  void accessorsWorkInsideProbeDevice() throws IommuException {
    Device dev = fx.addDevice("dev");
    IommuFwspec fwspec = fx.build(dev, 4, 5);
    List<@Nullable Object> seen = new ArrayList<>();
    AtomicReference<@Nullable Throwable> addIds = new AtomicReference<>();
    fx.driver.probeHook =
        ctx -> {
          assertThat(core.holdsProbeLock()).isTrue();
          assertThat(ctx.device()).isSameAs(dev);
          IommuFwspec installed = Objects.requireNonNull(ctx.fwspec());
          seen.add(installed);
          assertThat(installed.state()).isEqualTo(FwspecState.INSTALLED);
          assertThat(installed.ids().toArray()).containsExactly(4, 5);
          assertThat(ctx.isRegistered(fx.instance)).isTrue();
          seen.add(ctx.priv());
          ctx.setPriv("mine");
          seen.add(ctx.priv());
          try {
            ctx.addIds(6); // only for a fwspec being translated: EINVAL, not a lock error
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
  void isRegisteredFollowsRegistrationEvenDuringTheCallback() throws IommuException {
    Device dev = fx.addDevice("dev");
    StandInDriver otherDriver = StandInDriver.create("other");
    IommuInstance other = otherDriver.newInstance("other");
    IommuInstance never = otherDriver.newInstance("never");
    core.registerInstance(other);
    List<Boolean> seen = new ArrayList<>();
    fx.driver.probeHook =
        ctx -> {
          seen.add(ctx.isRegistered(never));
          seen.add(ctx.isRegistered(other));
          core.unregisterInstance(other); // the probe lock is reentrant
          seen.add(ctx.isRegistered(other));
        };

    core.probeDevice(dev, fx.build(dev, 1));

    assertThat(seen).containsExactly(false, true, false);
  }

  @Test
  void aContextUsedOnAnotherThreadFailsEvenDuringItsCallback()
      throws IommuException, InterruptedException {
    Device dev = fx.addDevice("dev");
    AtomicReference<@Nullable Throwable> fromOtherThread = new AtomicReference<>();
    fx.driver.probeHook =
        ctx -> {
          Thread t =
              new Thread(
                  () -> {
                    try {
                      var unused = ctx.fwspec();
                    } catch (Throwable e) {
                      fromOtherThread.set(e);
                    }
                  },
                  "helper");
          t.start();
          try {
            t.join();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        };
    core.probeDevice(dev, fx.build(dev, 1));
    assertThat(fromOtherThread.get())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("used on thread helper");
  }

  @Test
  void releaseAndDeviceGroupRunUnderTheLockAndFinalizeOutside() throws IommuException {
    Device dev = fx.addDevice("dev");
    fx.driver.setPriv = true;
    core.probeDevice(dev, fx.build(dev, 1));
    core.releaseDevice(dev);
    assertThat(fx.driver.releaseHeldLock).containsExactly(true);
    assertThat(fx.driver.privAtRelease).containsExactly("priv:dev"); // still readable in release
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
