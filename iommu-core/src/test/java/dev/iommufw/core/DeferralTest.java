package dev.iommufw.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iommufw.core.testing.StandInDriver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Deferral, the deferral policy, multiple IOMMU entries and the registration retry (kernel-model.md
 * §2.3, §2.20, §3.1, §3.3, §3.7, defect D5).
 */
class DeferralTest {
  private final Fixture fx = new Fixture();
  private final IommuCore core = fx.core;

  private static IommuException assignFails(IommuCore core, Device dev, FwNode node) {
    IommuFwspec fwspec = core.allocFwspec();
    try {
      core.fwspecAssignIommu(fwspec, dev, node);
      throw new AssertionError("expected fwspecAssignIommu to fail");
    } catch (IommuException e) {
      assertThat(fwspec.state()).isEqualTo(FwspecState.BUILDING); // still the caller's
      assertThat(fwspec.ops()).isNull();
      return e;
    } finally {
      fwspec.close();
    }
  }

  @Test
  void unregisteredIommuDefersNamingTheNode() {
    Device dev = fx.addDevice("dev");
    IommuException e = assignFails(core, dev, fx.node);
    assertThat(e.errno()).isEqualTo(Errno.EPROBE_DEFER);
    assertThat(e.waitingFor()).isSameAs(fx.node);
    assertThat(e.getMessage()).contains("EPROBE_DEFER").contains(fx.node.description());
    assertThat(core.deferralPolicy()).isEqualTo(DeferralPolicy.BOOTING);
  }

  @Test
  void noModulesPolicyAnswersEnodev() {
    Fixture f = new Fixture(new IommuCore(DeferralPolicy.INITCALLS_DONE_NO_MODULES));
    IommuException e = assignFails(f.core, f.addDevice("dev"), f.node);
    assertThat(e.errno()).isEqualTo(Errno.ENODEV);
    assertThat(e.waitingFor()).isNull();
  }

  @Test
  void expiredTimeoutPolicyAnswersEtimedout() {
    Fixture f = new Fixture(new IommuCore(DeferralPolicy.TIMEOUT_EXPIRED));
    IommuException e = assignFails(f.core, f.addDevice("dev"), f.node);
    assertThat(e.errno()).isEqualTo(Errno.ETIMEDOUT);
    assertThat(e.waitingFor()).isNull();
  }

  @Test
  void policyAnswers() {
    assertThat(DeferralPolicy.BOOTING.answer()).isEqualTo(Errno.EPROBE_DEFER);
    assertThat(DeferralPolicy.INITCALLS_DONE_NO_MODULES.answer()).isEqualTo(Errno.ENODEV);
    assertThat(DeferralPolicy.TIMEOUT_EXPIRED.answer()).isEqualTo(Errno.ETIMEDOUT);
  }

  @Test
  void deferredConfigurationLeavesNothingOnTheDevice() {
    Device dev = TestGlue.device("dev", TestGlue.Entry.of(fx.node, 0x10));
    core.addDevice(dev);

    DmaConfigureResult r = core.dmaConfigure(dev);

    assertThat(r).isEqualTo(new DmaConfigureResult.Deferred(fx.node));
    assertThat(r.errno()).isEqualTo(Errno.EPROBE_DEFER);
    assertThat(dev.isIommuMapped()).isFalse();
    assertThat(fx.live()).isZero();
    assertThat(core.waitingDevices()).containsExactly(dev);
  }

  @Test
  void registrationRetriesExactlyTheWaitingDevicesInDeferralOrder() throws IommuException {
    FwNode node2 = FwNode.create("/smmu@2");
    IommuInstance instance2 = fx.driver.newInstance("smmu2", node2);
    List<String> order = new ArrayList<>();
    Device d1 = TestGlue.device("d1", TestGlue.Entry.of(fx.node, 1));
    Device d2 = TestGlue.device("d2", TestGlue.Entry.of(fx.node, 2));
    Device d3 = TestGlue.device("d3", TestGlue.Entry.of(node2, 3));
    Device plain = TestGlue.device("plain"); // no IOMMU described
    for (Device d : List.of(d2, d1, d3, plain)) {
      core.addDevice(d);
      core.dmaConfigure(d);
    }
    assertThat(core.waitingDevices()).containsExactlyInAnyOrder(d1, d2, d3);
    fx.driver.probeHook = ctx -> order.add(ctx.device().name());

    core.registerInstance(fx.instance);

    assertThat(order).containsExactly("d2", "d1");
    assertThat(d1.iommuBinding().orElseThrow().ids().asList()).containsExactly(1);
    assertThat(d2.iommuBinding().orElseThrow().instance()).isSameAs(fx.instance);
    assertThat(d3.isIommuMapped()).isFalse();
    assertThat(TestGlue.calls(d1)).isEqualTo(2);
    assertThat(TestGlue.calls(d2)).isEqualTo(2);
    assertThat(TestGlue.calls(d3)).isEqualTo(1);
    assertThat(TestGlue.calls(plain)).isEqualTo(1);
    assertThat(core.waitingDevices()).containsExactly(d3);

    core.registerInstance(instance2);
    assertThat(d3.iommuBinding().orElseThrow().instance()).isSameAs(instance2);
    assertThat(core.waitingDevices()).isEmpty();
    assertThat(fx.live()).isEqualTo(3);
  }

  @Test
  void registeringAnUnrelatedInstanceRetriesNobody() throws IommuException {
    Device dev = TestGlue.device("dev", TestGlue.Entry.of(fx.node, 1));
    core.addDevice(dev);
    core.dmaConfigure(dev);
    core.registerInstance(StandInDriver.create("other").newInstance("x", FwNode.create("/x")));
    assertThat(TestGlue.calls(dev)).isEqualTo(1);
    assertThat(core.waitingDevices()).containsExactly(dev);
  }

  @Test
  void leavingBootingRetriesWaitingDevicesWhichStopWaiting() {
    Device a = TestGlue.device("a", TestGlue.Entry.of(fx.node, 1));
    Device b = TestGlue.device("b", TestGlue.Entry.of(FwNode.create("/never"), 2));
    core.addDevice(a);
    core.addDevice(b);
    core.dmaConfigure(a);
    core.dmaConfigure(b);

    core.setDeferralPolicy(DeferralPolicy.TIMEOUT_EXPIRED);

    assertThat(core.deferralPolicy()).isEqualTo(DeferralPolicy.TIMEOUT_EXPIRED);
    assertThat(core.waitingDevices()).isEmpty();
    assertThat(TestGlue.calls(a)).isEqualTo(2);
    assertThat(TestGlue.calls(b)).isEqualTo(2);
    assertThat(a.isIommuMapped()).isFalse();
    assertThat(fx.live()).isZero();
    // with the timeout expired, a fresh configuration fails with ETIMEDOUT instead of waiting
    DmaConfigureResult r = core.dmaConfigure(a);
    assertThat(r).isInstanceOf(DmaConfigureResult.Failed.class);
    assertThat(r.errno()).isEqualTo(Errno.ETIMEDOUT);
  }

  @Test
  void noModulesPolicyTurnsWaitingDevicesIntoNoIommu() {
    Device a = TestGlue.device("a", TestGlue.Entry.of(fx.node, 1));
    core.addDevice(a);
    core.dmaConfigure(a);
    core.setDeferralPolicy(DeferralPolicy.INITCALLS_DONE_NO_MODULES);
    assertThat(core.waitingDevices()).isEmpty();
    assertThat(core.dmaConfigure(a)).isInstanceOf(DmaConfigureResult.NoIommu.class);
  }

  @Test
  void settingBootingAgainRetriesNobody() {
    Device a = TestGlue.device("a", TestGlue.Entry.of(fx.node, 1));
    core.addDevice(a);
    core.dmaConfigure(a);
    core.setDeferralPolicy(DeferralPolicy.BOOTING);
    assertThat(TestGlue.calls(a)).isEqualTo(1);
    assertThat(core.waitingDevices()).containsExactly(a);
  }

  @Test
  void secondIommuOfADifferentRegisteredDriverIsEinval() throws IommuException {
    fx.register();
    StandInDriver other = StandInDriver.create("other");
    FwNode otherNode = FwNode.create("/other");
    core.registerInstance(other.newInstance("other0", otherNode));
    Device dev = fx.addDevice("dev");
    IommuFwspec fwspec = fx.build(dev, 1);

    assertThatThrownBy(() -> core.fwspecAssignIommu(fwspec, dev, otherNode))
        .isInstanceOf(IommuException.class)
        .satisfies(e -> assertThat(((IommuException) e).errno()).isEqualTo(Errno.EINVAL));

    assertThat(fwspec.iommuFwNode()).isSameAs(fx.node);
    assertThat(fwspec.ops()).isSameAs(fx.driver);
    fwspec.dealloc();

    Device described =
        TestGlue.device("d", TestGlue.Entry.of(fx.node, 1), TestGlue.Entry.of(otherNode, 2));
    core.addDevice(described);
    DmaConfigureResult r = core.dmaConfigure(described);
    assertThat(r.errno()).isEqualTo(Errno.EINVAL);
    assertThat(described.isIommuMapped()).isFalse();
    assertThat(fx.live()).isZero();
  }

  @Test
  void secondIommuNotYetRegisteredDefers_defectD5() throws IommuException {
    fx.register();
    FwNode node2 = FwNode.create("/smmu@2");
    IommuInstance instance2 = fx.driver.newInstance("smmu2", node2);
    Device dev = fx.addDevice("dev");
    IommuFwspec fwspec = fx.build(dev, 1);

    assertThatThrownBy(() -> core.fwspecAssignIommu(fwspec, dev, node2))
        .isInstanceOf(IommuException.class)
        .satisfies(
            e -> {
              assertThat(((IommuException) e).errno()).isEqualTo(Errno.EPROBE_DEFER);
              assertThat(((IommuException) e).waitingFor()).isSameAs(node2);
            });
    fwspec.dealloc();

    Device described =
        TestGlue.device("d", TestGlue.Entry.of(fx.node, 1), TestGlue.Entry.of(node2, 2));
    core.addDevice(described);
    assertThat(core.dmaConfigure(described)).isEqualTo(new DmaConfigureResult.Deferred(node2));
    assertThat(core.waitingDevices()).containsExactly(described);

    core.registerInstance(instance2);

    IommuBinding b = described.iommuBinding().orElseThrow();
    assertThat(b.instance()).isSameAs(fx.instance); // the first entry's instance
    assertThat(b.ids().asList()).containsExactly(1, 2);
  }

  @Test
  void secondIommuUnregisteredUnderNoModulesPolicyIsEnodev() throws IommuException {
    Fixture f = new Fixture(new IommuCore(DeferralPolicy.INITCALLS_DONE_NO_MODULES)).register();
    Device dev = f.addDevice("dev");
    IommuFwspec fwspec = f.build(dev, 1);
    assertThatThrownBy(() -> f.core.fwspecAssignIommu(fwspec, dev, FwNode.create("/never")))
        .isInstanceOf(IommuException.class)
        .satisfies(e -> assertThat(((IommuException) e).errno()).isEqualTo(Errno.ENODEV));
    fwspec.dealloc();
  }

  @Test
  void secondInstanceOfTheSameDriverSendsAllIdsToTheFirstNode() throws IommuException {
    fx.register();
    FwNode node2 = FwNode.create("/smmu@2");
    IommuInstance instance2 = fx.driver.newInstance("smmu2", node2);
    core.registerInstance(instance2);
    Device dev =
        TestGlue.device(
            "dev",
            TestGlue.Entry.of(fx.node, 1, 2),
            TestGlue.Entry.of(node2, 3),
            TestGlue.Entry.of(fx.node, 4));
    core.addDevice(dev);

    DmaConfigureResult r = core.dmaConfigure(dev);

    assertThat(r).isInstanceOf(DmaConfigureResult.Configured.class);
    IommuBinding b = dev.iommuBinding().orElseThrow();
    assertThat(b.instance()).isSameAs(fx.instance);
    assertThat(b.ids().asList()).containsExactly(1, 2, 3, 4);
  }

  @Test
  void deviceWaitingForTwoIommusWaitsForTheSecondAfterTheFirstRegisters() throws IommuException {
    FwNode node2 = FwNode.create("/smmu@2");
    IommuInstance instance2 = fx.driver.newInstance("smmu2", node2);
    Device dev = TestGlue.device("dev", TestGlue.Entry.of(fx.node, 1), TestGlue.Entry.of(node2, 2));
    core.addDevice(dev);
    assertThat(core.dmaConfigure(dev)).isEqualTo(new DmaConfigureResult.Deferred(fx.node));

    fx.register();
    assertThat(core.waitingDevices()).containsExactly(dev);
    assertThat(dev.isIommuMapped()).isFalse();

    core.registerInstance(instance2);
    assertThat(dev.iommuBinding().orElseThrow().ids().asList()).containsExactly(1, 2);
    assertThat(core.waitingDevices()).isEmpty();
    assertThat(fx.live()).isEqualTo(1);
  }

  @Test
  void configuringAgainAfterSuccessIsAlreadyBoundAndStopsWaiting() {
    fx.register();
    Device dev = TestGlue.device("dev", TestGlue.Entry.of(fx.node, 1));
    core.addDevice(dev);
    DmaConfigureResult first = core.dmaConfigure(dev);
    DmaConfigureResult second = core.dmaConfigure(dev);
    assertThat(second).isEqualTo(first);
    assertThat(fx.live()).isEqualTo(1);
    assertThat(core.fwspecsAllocated()).isEqualTo(2);
  }

  @Test
  void deviceWithoutConfigureStepHasNoIommu() {
    Device dev = fx.addDevice("dev");
    DmaConfigureResult r = core.dmaConfigure(dev);
    assertThat(r).isInstanceOf(DmaConfigureResult.NoIommu.class);
    assertThat(r.errno()).isEqualTo(Errno.ENODEV);
  }

  @Test
  void configureFailureFromDriverIsReportedWithIds() {
    fx.register();
    fx.driver.rejectInProbe.add(0x40);
    Device dev = TestGlue.device("dev", TestGlue.Entry.of(fx.node, 0x3f, 0x40));
    core.addDevice(dev);
    DmaConfigureResult r = core.dmaConfigure(dev);
    assertThat(r).isInstanceOf(DmaConfigureResult.Failed.class);
    assertThat(((DmaConfigureResult.Failed) r).error()).isEqualTo(Errno.ERANGE);
    assertThat(((DmaConfigureResult.Failed) r).ids().asList()).containsExactly(0x3f, 0x40);
    assertThat(core.waitingDevices()).isEmpty();
    assertThat(fx.live()).isZero();
  }

  @Test
  void xlateFailureFreesTheGluesFwspec() {
    fx.register();
    fx.driver.rejectInXlate.add(0x41);
    Device dev = TestGlue.device("dev", TestGlue.Entry.of(fx.node, 0x41));
    core.addDevice(dev);
    assertThat(core.dmaConfigure(dev).errno()).isEqualTo(Errno.ERANGE);
    assertThat(fx.live()).isZero();
  }

  /**
   * A configure step that keeps answering "deferred" although the instance it names is registered
   * (a driver's {@code probe_device} asking to retry later, as arm-smmu does) must not make {@link
   * IommuCore#dmaConfigure} spin. The step gives up by itself after many calls so that this test
   * cannot hang.
   */
  @Test
  void deferralOnARegisteredInstanceDoesNotSpin() {
    fx.register();
    AtomicInteger calls = new AtomicInteger();
    Device dev =
        Device.builder("dev", BusKind.PLATFORM)
            .dmaConfigureStep(
                (c, d) ->
                    calls.incrementAndGet() < 10_000
                        ? new DmaConfigureResult.Deferred(fx.node)
                        : new DmaConfigureResult.NoIommu("gave up"))
            .build();
    core.addDevice(dev);

    DmaConfigureResult r = core.dmaConfigure(dev);

    assertThat(calls.get()).as("configure calls for one dmaConfigure").isLessThan(10);
    assertThat(r).isInstanceOf(DmaConfigureResult.Deferred.class);
  }

  @Test
  void deferralAnsweredUnderAFinalPolicyDoesNotSpin() {
    IommuCore c = new IommuCore(DeferralPolicy.TIMEOUT_EXPIRED);
    AtomicInteger calls = new AtomicInteger();
    FwNode never = FwNode.create("/never");
    Device dev =
        Device.builder("dev", BusKind.PLATFORM)
            .dmaConfigureStep(
                (core2, d) ->
                    calls.incrementAndGet() < 10_000
                        ? new DmaConfigureResult.Deferred(never)
                        : new DmaConfigureResult.NoIommu("gave up"))
            .build();
    c.addDevice(dev);

    c.dmaConfigure(dev);

    assertThat(calls.get()).as("configure calls for one dmaConfigure").isLessThan(10);
  }

  @Test
  void aDriverCrashWhileRetryingOneDeviceDoesNotLoseTheOtherWaiters() throws IommuException {
    Device crashing = TestGlue.device("crashing", TestGlue.Entry.of(fx.node, 1));
    Device other = TestGlue.device("other", TestGlue.Entry.of(fx.node, 2));
    core.addDevice(crashing);
    core.addDevice(other);
    core.dmaConfigure(crashing);
    core.dmaConfigure(other);
    fx.driver.probeHook =
        ctx -> {
          if (ctx.device() == crashing) {
            throw new StandInDriver.DriverBug("crash on " + crashing);
          }
        };

    try {
      core.registerInstance(fx.instance);
    } catch (StandInDriver.DriverBug expected) {
      // a crashing driver may surface here; what matters is the other device
    }

    assertThat(fx.instance.isRegisteredIn(core)).isTrue();
    assertThat(crashing.isIommuMapped()).isFalse();
    assertThat(other.isIommuMapped() || core.waitingDevices().contains(other))
        .as("the other waiting device is bound or still waiting, not forgotten")
        .isTrue();
    assertThat(core.holdsProbeLock()).isFalse();
  }
}
