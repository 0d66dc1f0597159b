package dev.iommufw.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.collect.ImmutableList;
import com.google.common.primitives.ImmutableIntArray;
import dev.iommufw.core.testing.StandInDriver;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The Linux 6.15+ probe flow ({@link ProbeFlow.FirmwareInProbe}): the core's probe path runs the
 * DMA-configure step of a device without a fwspec, and registration probes every device present and
 * fails on the first probe error other than ENODEV.
 */
class FirmwareInProbeFlowTest {
  private final Fixture fx = new Fixture(new IommuCore(ProbeFlow.firmwareInProbe()));
  private final IommuCore core = fx.core;

  /** A platform device whose step records whether it ran under the probe lock. */
  private Device device(String name, int id, List<Boolean> lockHeld) {
    TestGlue glue = TestGlue.of(TestGlue.Entry.of(fx.node, id));
    return Device.builder(name, BusKind.PLATFORM)
        .dmaConfigureStep(
            (c, d) -> {
              lockHeld.add(c.holdsProbeLock());
              return glue.configure(c, d);
            })
        .build();
  }

  private Device device(String name, int id) {
    return device(name, id, new ArrayList<>());
  }

  @Test
  void theFlowIsChosenAtConstructionAndDefaultsToTheOffDeviceHandover() {
    assertThat(new IommuCore().probeFlow()).isSameAs(ProbeFlow.offDeviceHandover());
    assertThat(new IommuCore(DeferralPolicy.TIMEOUT_EXPIRED).probeFlow())
        .isInstanceOf(ProbeFlow.OffDeviceHandover.class);
    assertThat(core.probeFlow()).isInstanceOf(ProbeFlow.FirmwareInProbe.class);
  }

  @Test
  void aDeviceWithoutFwspecIsDmaConfiguredFromInsideItsProbeUnderTheProbeLock() {
    fx.register();
    List<Boolean> lockHeld = new ArrayList<>();
    Device dev = device("dev", 0x42, lockHeld);

    core.addDevice(dev);

    assertThat(dev.iommuBinding())
        .hasValueSatisfying(b -> assertThat(b.ids().asList()).containsExactly(0x42));
    assertThat(lockHeld).containsExactly(true);
    assertThat(fx.driver.finalized).containsExactly(dev); // once, not once per lock level
    assertThat(fx.driver.finalizeHeldLock).containsExactly(false);
  }

  @Test
  void theOffDeviceHandoverDoesNotConfigureAtAdd() {
    Fixture series = Fixture.registered();
    List<Boolean> lockHeld = new ArrayList<>();
    TestGlue glue = TestGlue.of(TestGlue.Entry.of(series.node, 0x42));
    Device dev =
        Device.builder("dev", BusKind.PLATFORM)
            .dmaConfigureStep(
                (c, d) -> {
                  lockHeld.add(c.holdsProbeLock());
                  return glue.configure(c, d);
                })
            .build();

    series.core.addDevice(dev);
    assertThat(dev.iommuBinding()).isEmpty();
    assertThat(lockHeld).isEmpty();
    assertThat(series.core.dmaConfigure(dev)).isInstanceOf(DmaConfigureResult.Configured.class);
    assertThat(lockHeld).containsExactly(false);
  }

  @Test
  void aDeviceAddedBeforeItsIommuRegistersIsLeftWithNothing() {
    Device dev = device("dev", 0x42);

    core.addDevice(dev);
    // addDevice answers nothing; probing again runs the same configure step with the same outcome
    ProbeResult r = core.probeDevice(dev);

    assertThat(r).isInstanceOf(ProbeResult.NoIommu.class);
    assertThat(((ProbeResult.NoIommu) r).reason()).contains("not registered");
    assertThat(dev.iommuBinding()).isEmpty();
    assertThat(core.waitingDevices()).isEmpty(); // registration finds it by walking, not waiting
    assertThat(fx.live()).isZero();
  }

  @Test
  void registrationProbesEveryDevicePresentInTheOwnersBusOrder() {
    IommuCore ordered =
        new IommuCore(ProbeFlow.firmwareInProbe(Comparator.comparing(Device::name).reversed()));
    Fixture f = new Fixture(ordered);
    List<Device> devs = new ArrayList<>();
    for (String name : List.of("a", "b", "c")) {
      Device d =
          Device.builder(name, BusKind.PLATFORM)
              .dmaConfigureStep(TestGlue.of(TestGlue.Entry.of(f.node, name.charAt(0))))
              .build();
      ordered.addDevice(d);
      devs.add(d);
    }

    RegistrationResult r = f.register(ordered);

    assertThat(r).isEqualTo(new RegistrationResult.Registered(f.instance));
    assertThat(f.driver.probed).containsExactly(devs.get(2), devs.get(1), devs.get(0));
    for (Device d : devs) {
      assertThat(d.iommuBinding()).isPresent();
    }
  }

  @Test
  void registrationAbortsOnErangeReleasingWhatItConfiguredAndStaysUnregistered() {
    Device a = device("a", 1);
    Device b = device("b", 2);
    Device c = device("c", 3);
    for (Device d : List.of(a, b, c)) {
      core.addDevice(d);
    }
    fx.driver.rejectInProbe.add(2);

    RegistrationResult r = fx.register(core);

    assertThat(r).isInstanceOf(RegistrationResult.Aborted.class);
    RegistrationResult.Aborted aborted = (RegistrationResult.Aborted) r;
    assertThat(aborted.instance()).isSameAs(fx.instance);
    assertThat(aborted.culprit()).isSameAs(b);
    assertThat(aborted.error()).isEqualTo(Errno.ERANGE);
    assertThat(aborted.ids()).isEqualTo(ImmutableIntArray.of(2));
    assertThat(aborted.released()).containsExactly(a);
    assertThat(fx.instance.isRegisteredIn(core)).isFalse();
    assertThat(core.instances()).isEmpty();
    assertThat(core.isRegistered(fx.node)).isFalse();
    assertThat(fx.driver.probed).containsExactly(a, b); // the walk stopped at b
    assertThat(fx.driver.released).containsExactly(a);
    for (Device d : List.of(a, b, c)) {
      assertThat(d.iommuBinding()).isEmpty();
      assertThat(core.group(d)).isNull();
    }
    assertThat(fx.live()).isZero();
  }

  @Test
  void anEnodevProbeDoesNotAbortTheRegistrationAndKeepsTheIdsItTurnedDown() {
    Device a = device("a", 1);
    Device b = device("b", 2);
    Device c = device("c", 3);
    for (Device d : List.of(a, b, c)) {
      core.addDevice(d);
    }
    fx.driver.probeHook =
        ctx -> {
          if (ctx.device() == b) {
            throw new IommuException(Errno.ENODEV, "aliasing stream ID");
          }
        };

    RegistrationResult r = fx.register(core);

    assertThat(r).isInstanceOf(RegistrationResult.Registered.class);
    assertThat(a.iommuBinding()).isPresent();
    assertThat(b.iommuBinding()).isEmpty();
    assertThat(c.iommuBinding()).isPresent();
    ProbeResult again = core.probeDevice(b);
    assertThat(again).isInstanceOf(ProbeResult.NoIommu.class);
    assertThat(((ProbeResult.NoIommu) again).reason()).contains("aliasing stream ID");
    assertThat(((ProbeResult.NoIommu) again).ids()).isEqualTo(ImmutableIntArray.of(2));
    assertThat(fx.live()).isEqualTo(2);
  }

  @Test
  void theConfigureOutcomeKeepsTheIdsADriverTurnedDown() {
    DmaConfigureResult viaGlue =
        DmaConfigureResult.fromProbe(
            new ProbeResult.NoIommu("aliasing", ImmutableIntArray.of(7, 8)), fx.node);
    assertThat(viaGlue)
        .isEqualTo(new DmaConfigureResult.NoIommu("aliasing", ImmutableIntArray.of(7, 8)));
    assertThat(new DmaConfigureResult.NoIommu("none").ids().isEmpty()).isTrue();
  }

  @Test
  void devicesWaitingForAnAbortedInstanceKeepWaitingUntilTheTimeout() {
    Device a = device("a", 1);
    Device b = device("b", 2);
    core.addDevice(a);
    core.addDevice(b);
    // a's driver binds first: its DMA configuration defers on the missing instance.
    assertThat(core.dmaConfigure(a)).isInstanceOf(DmaConfigureResult.Deferred.class);
    assertThat(core.waitingDevices()).containsExactly(a);
    fx.driver.rejectInProbe.add(2);

    assertThat(fx.register(core)).isInstanceOf(RegistrationResult.Aborted.class);

    assertThat(core.waitingDevices()).containsExactly(a);
    core.setDeferralPolicy(DeferralPolicy.TIMEOUT_EXPIRED);
    assertThat(core.waitingDevices()).isEmpty();
    assertThat(a.iommuBinding()).isEmpty();
    assertThat(fx.live()).isZero();
  }

  @Test
  void aSuccessfulRegistrationAlsoRetriesTheDevicesWaitingForIt() {
    Device a = device("a", 1);
    core.addDevice(a);
    assertThat(core.dmaConfigure(a)).isInstanceOf(DmaConfigureResult.Deferred.class);

    assertThat(fx.register(core)).isInstanceOf(RegistrationResult.Registered.class);

    assertThat(core.waitingDevices()).isEmpty();
    assertThat(a.iommuBinding()).isPresent();
    assertThat(fx.live()).isEqualTo(1);
  }

  @Test
  void aDriverBindAfterTheRegistrationFindsTheDeviceBoundByTheWalk() {
    Device a = device("a", 1);
    core.addDevice(a);
    assertThat(fx.register(core)).isInstanceOf(RegistrationResult.Registered.class);
    long allocated = core.fwspecsAllocated();

    DmaConfigureResult bind = core.dmaConfigure(a);

    assertThat(bind).isInstanceOf(DmaConfigureResult.Configured.class);
    assertThat(fx.driver.probed).containsExactly(a); // the bind did not probe again
    assertThat(core.fwspecsAllocated()).isEqualTo(allocated + 1); // built, then freed at hand-off
    assertThat(fx.live()).isEqualTo(1);
  }

  @Test
  void aProbeErrorAfterRegistrationFailsOnlyThatDevice() {
    fx.register();
    fx.driver.rejectInProbe.add(2);
    Device b = device("b", 2);

    core.addDevice(b);
    assertThat(b.iommuBinding()).isEmpty();
    // addDevice answers nothing; probing again runs the same configure step with the same outcome
    ProbeResult r = core.probeDevice(b);

    assertThat(r).isInstanceOf(ProbeResult.Failed.class);
    assertThat(r.errno()).isEqualTo(Errno.ERANGE);
    assertThat(((ProbeResult.Failed) r).ids()).isEqualTo(ImmutableIntArray.of(2));
    assertThat(fx.instance.isRegisteredIn(core)).isTrue();
  }

  @Test
  void aDeviceWithoutFirmwareIsLeftToTheInstanceWithoutNode() {
    StandInDriver bus = StandInDriver.create("bus");
    IommuInstance nodeless = bus.newInstance("bus0", null);
    Device plain =
        Device.builder("plain", BusKind.PLATFORM).dmaConfigureStep(TestGlue.of()).build();
    core.addDevice(plain);

    assertThat(Fixture.register(core, nodeless)).isInstanceOf(RegistrationResult.Registered.class);

    assertThat(plain.iommuBinding().map(x -> x.instance())).contains(nodeless);
  }

  @Test
  void theDriversContextFromAProbeInTheProbePathIsGoodOnlyInsideTheCallback() {
    fx.register();
    List<ProbeContext> kept = new ArrayList<>();
    fx.driver.probeHook = kept::add;
    Device dev = device("dev", 1);
    core.addDevice(dev);

    assertThat(dev.iommuBinding()).isPresent();
    ProbeContext ctx = kept.get(0);
    assertThatThrownBy(ctx::fwspec)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("after its driver callback returned");
    assertThatThrownBy(ctx::priv).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> ctx.setPriv(null)).isInstanceOf(IllegalStateException.class);
    assertThat(core.holdsProbeLock()).isFalse();
  }

  @Test
  void theProbeLockIsReleasedAfterARegistrationWalkAndAfterAnAbort() {
    Device a = device("a", 1);
    core.addDevice(a);
    fx.driver.rejectInProbe.add(1);
    assertThat(fx.register(core)).isInstanceOf(RegistrationResult.Aborted.class);
    assertThat(core.holdsProbeLock()).isFalse();
    fx.driver.rejectInProbe.clear();
    assertThat(fx.register(core)).isInstanceOf(RegistrationResult.Registered.class);
    assertThat(core.holdsProbeLock()).isFalse();
  }

  @Test
  void whileTheWalkRunsOnlyTheWalkConfiguresDevicesOnTheInstance() {
    Device a = device("a", 1);
    Device b = device("b", 2);
    core.addDevice(a);
    core.addDevice(b);
    List<DmaConfigureResult> bindDuringWalk = new ArrayList<>();
    fx.driver.probeHook =
        ctx -> {
          if (ctx.device() == a) {
            // b's driver binds while the registration is probing a: the instance is not ready.
            bindDuringWalk.add(core.dmaConfigure(b));
          }
        };

    assertThat(fx.register(core)).isInstanceOf(RegistrationResult.Registered.class);

    assertThat(bindDuringWalk).hasSize(1);
    assertThat(bindDuringWalk.get(0)).isInstanceOf(DmaConfigureResult.Deferred.class);
    assertThat(b.iommuBinding()).isPresent(); // the walk bound it, and the retry found it bound
    assertThat(core.waitingDevices()).isEmpty();
    assertThat(fx.live()).isEqualTo(2);
  }

  @Test
  void aBindDeferredDuringAnAbortedWalkWaitsForTheTimeout() {
    Device a = device("a", 1);
    Device b = device("b", 2);
    core.addDevice(a);
    core.addDevice(b);
    fx.driver.rejectInProbe.add(2);
    fx.driver.probeHook =
        ctx -> {
          if (ctx.device() == a) {
            core.dmaConfigure(b);
          }
        };

    assertThat(fx.register(core)).isInstanceOf(RegistrationResult.Aborted.class);

    assertThat(core.waitingDevices()).containsExactly(b);
    core.setDeferralPolicy(DeferralPolicy.TIMEOUT_EXPIRED);
    assertThat(b.iommuBinding()).isEmpty();
    assertThat(core.waitingDevices()).isEmpty();
    assertThat(fx.live()).isZero();
  }

  /**
   * Not confluent in Linux 6.15+ either: two registrations that overlap. While S0's walk is inside
   * c's DMA configuration (where the kernel drops its probe lock, so another CPU's registration may
   * run whole), S2 registers and walks every device; it finds S0 registered but not ready,
   * configures S0's device {@code bad} on it from its own probe path, and S0's driver turns {@code
   * bad} down with ERANGE, which aborts S2's registration. c, S2's only device, ends with no IOMMU.
   * Registered one after the other, in either order, S2 survives and c is bound: only S0's own
   * registration fails on {@code bad}. (Found by the testkit's concurrent confluence property; that
   * property therefore keeps a machine's registrations on one thread.)
   */
  @Test
  void overlappingRegistrationsCanAbortTheLaterOneOnTheEarliersRejectedDevice() {
    FwNode node2 = FwNode.create("/smmu@9090000");
    StandInDriver driver2 = StandInDriver.create("smmu2");
    IommuInstance s2 = driver2.newInstance("smmu2", node2);
    TestGlue glueC = TestGlue.of(TestGlue.Entry.of(node2, 3));
    List<RegistrationResult> s2Outcome = new ArrayList<>();
    Device c =
        Device.builder("c", BusKind.PLATFORM)
            .dmaConfigureStep(
                (k, d) -> {
                  if (s2Outcome.isEmpty() && fx.instance.isRegisteredIn(k)) {
                    // S0's walk is configuring c: S2's registration runs whole meanwhile
                    s2Outcome.add(Fixture.register(k, s2));
                  }
                  return glueC.configure(k, d);
                })
            .build();
    Device a = device("a", 1);
    Device bad = device("bad", 2);
    fx.driver.rejectInProbe.add(2);
    core.addDevice(c);
    core.addDevice(a);
    core.addDevice(bad);

    RegistrationResult s0Outcome = fx.register(core);

    assertThat(s2Outcome).hasSize(1);
    assertThat(s2Outcome.get(0))
        .isInstanceOfSatisfying(
            RegistrationResult.Aborted.class,
            ab -> {
              assertThat(ab.instance()).isSameAs(s2);
              assertThat(ab.culprit()).isSameAs(bad);
              assertThat(ab.error()).isEqualTo(Errno.ERANGE);
            });
    assertThat(s0Outcome).isInstanceOf(RegistrationResult.Aborted.class);
    assertThat(c.iommuBinding()).isEmpty();
    assertThat(s2.isRegisteredIn(core)).isFalse();

    // the same devices, registrations one after the other: S2 survives and binds c
    IommuCore serial = new IommuCore(ProbeFlow.firmwareInProbe());
    Fixture sfx = new Fixture(serial);
    sfx.driver.rejectInProbe.add(2);
    IommuInstance s2Serial = StandInDriver.create("smmu2").newInstance("smmu2", node2);
    Device cSerial =
        Device.builder("c", BusKind.PLATFORM)
            .dmaConfigureStep(TestGlue.of(TestGlue.Entry.of(node2, 3)))
            .build();
    serial.addDevice(cSerial);
    serial.addDevice(
        Device.builder("a", BusKind.PLATFORM)
            .dmaConfigureStep(TestGlue.of(TestGlue.Entry.of(sfx.node, 1)))
            .build());
    serial.addDevice(
        Device.builder("bad", BusKind.PLATFORM)
            .dmaConfigureStep(TestGlue.of(TestGlue.Entry.of(sfx.node, 2)))
            .build());
    assertThat(sfx.register(serial)).isInstanceOf(RegistrationResult.Aborted.class);
    assertThat(Fixture.register(serial, s2Serial))
        .isInstanceOf(RegistrationResult.Registered.class);
    assertThat(cSerial.iommuBinding()).isPresent();
  }

  @Test
  void anInstanceUnregisteredDuringItsWalkRegistersAgainOnlyOnceTheWalkHasEnded() {
    AtomicBoolean armed = new AtomicBoolean();
    List<Throwable> secondRegistration = new ArrayList<>();
    TestGlue glue = TestGlue.of(TestGlue.Entry.of(fx.node, 1));
    Device dev =
        Device.builder("a", BusKind.PLATFORM)
            .dmaConfigureStep(
                (c, d) -> {
                  if (!armed.get()) {
                    return glue.configure(c, d);
                  }
                  // inside the registration walk: unregister from under it, try to register again
                  c.unregisterInstance(fx.instance);
                  try {
                    c.registerInstance(fx.instance);
                  } catch (IommuException | RuntimeException e) {
                    secondRegistration.add(e);
                  }
                  throw new StandInDriver.DriverBug("glue crashed");
                })
            .build();
    core.addDevice(dev);
    armed.set(true);

    // the walk's own failure comes out, not a complaint that the instance is gone
    assertThatThrownBy(() -> core.registerInstance(fx.instance))
        .isInstanceOf(StandInDriver.DriverBug.class)
        .hasMessage("glue crashed");

    assertThat(secondRegistration)
        .singleElement()
        .isInstanceOf(IllegalStateException.class)
        .satisfies(e -> assertThat(e.getMessage()).contains("registration walk runs"));
    assertThat(core.instances()).isEmpty();
    armed.set(false);
    assertThat(fx.register(core)).isEqualTo(new RegistrationResult.Registered(fx.instance));
    assertThat(dev.iommuBinding()).isPresent();
  }

  @Test
  void anAbortedResultRejectsEnodev() {
    assertThatThrownBy(
            () ->
                new RegistrationResult.Aborted(
                    fx.instance,
                    device("a", 1),
                    Errno.ENODEV,
                    "no",
                    ImmutableIntArray.of(),
                    ImmutableList.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
