package dev.iommufw.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iommufw.core.pci.Bdf;
import dev.iommufw.core.pci.PciFunction;
import dev.iommufw.core.testing.StandInDriver;
import org.junit.jupiter.api.Test;

/**
 * Registration, unregistration, release and removal (kernel-model.md §2.13, §2.15–§2.18, §3.5,
 * §3.6, §5.7.1).
 */
class IommuCoreRegistryTest {
  private final Fixture fx = new Fixture();
  private final IommuCore core = fx.core;

  @Test
  void registeredInstanceIsFoundByItsNode() throws IommuException {
    assertThat(core.isRegistered(fx.node)).isFalse();
    assertThat(fx.instance.isRegisteredIn(core)).isFalse();
    core.registerInstance(fx.instance);
    assertThat(core.isRegistered(fx.node)).isTrue();
    assertThat(fx.instance.isRegisteredIn(core)).isTrue();
    assertThat(fx.instance.isRegisteredIn(new IommuCore())).isFalse();
    assertThat(core.instances()).containsExactly(fx.instance);
    assertThat(core.isRegistered(FwNode.create(fx.node.description()))) // identity, not name
        .isFalse();
  }

  @Test
  void instancesAreListedInRegistrationOrder() throws IommuException {
    IommuInstance b = fx.driver.newInstance("b", FwNode.create("/b"));
    IommuInstance c = fx.driver.newInstance("c", null);
    core.registerInstance(b);
    core.registerInstance(fx.instance);
    core.registerInstance(c);
    assertThat(core.instances()).containsExactly(b, fx.instance, c);
    core.unregisterInstance(fx.instance);
    assertThat(core.instances()).containsExactly(b, c);
  }

  @Test
  void registeringTwiceOrInTwoCoresThrows() throws IommuException {
    core.registerInstance(fx.instance);
    assertThatThrownBy(() -> core.registerInstance(fx.instance))
        .isInstanceOf(IllegalStateException.class);
    IommuCore other = new IommuCore();
    assertThatThrownBy(() -> other.registerInstance(fx.instance))
        .isInstanceOf(IllegalStateException.class);
    assertThat(other.instances()).isEmpty();
    assertThat(core.instances()).containsExactly(fx.instance);
  }

  @Test
  void unregisteringAnUnregisteredInstanceThrows() throws IommuException {
    assertThatThrownBy(() -> core.unregisterInstance(fx.instance))
        .isInstanceOf(IllegalStateException.class);
    IommuCore other = new IommuCore();
    other.registerInstance(fx.instance);
    assertThatThrownBy(() -> core.unregisterInstance(fx.instance))
        .isInstanceOf(IllegalStateException.class);
    assertThat(fx.instance.isRegisteredIn(other)).isTrue();
  }

  @Test
  void anInstanceCanRegisterAgainAfterUnregistering() throws IommuException {
    core.registerInstance(fx.instance);
    core.unregisterInstance(fx.instance);
    assertThat(core.isRegistered(fx.node)).isFalse();
    core.registerInstance(fx.instance);
    Device dev = fx.addDevice("dev");
    assertThat(core.probeDevice(dev, fx.build(dev, 1))).isInstanceOf(ProbeResult.Bound.class);
  }

  @Test
  void firstRegisteredInstanceOnANodeWins() throws IommuException {
    StandInDriver second = StandInDriver.create("second");
    IommuInstance dup = second.newInstance("dup", fx.node);
    core.registerInstance(fx.instance);
    core.registerInstance(dup);
    Device dev = fx.addDevice("dev");

    IommuFwspec fwspec = fx.build(dev, 1);
    assertThat(fwspec.ops()).isSameAs(fx.driver);
    core.probeDevice(dev, fwspec);
    assertThat(dev.iommuBinding().orElseThrow().instance()).isSameAs(fx.instance);
    assertThat(second.probed).isEmpty();

    // once the first leaves, the node resolves to the next one in registration order
    core.unregisterInstance(fx.instance);
    assertThat(dev.isIommuMapped()).isFalse();
    assertThat(core.isRegistered(fx.node)).isTrue();
    IommuFwspec again = fx.build(dev, 1);
    assertThat(again.ops()).isSameAs(second);
    core.probeDevice(dev, again);
    assertThat(dev.iommuBinding().orElseThrow().instance()).isSameAs(dup);
  }

  @Test
  void unregisterReleasesEveryBoundDevice() throws IommuException {
    core.registerInstance(fx.instance);
    StandInDriver otherDriver = StandInDriver.create("other");
    FwNode otherNode = FwNode.create("/other");
    IommuInstance other = otherDriver.newInstance("other0", otherNode);
    core.registerInstance(other);
    Device a = fx.addDevice("a");
    Device b = fx.addDevice("b");
    Device c = fx.addDevice("c");
    IommuFwspec fa = fx.build(a, 1);
    IommuFwspec fb = fx.build(b, 2, 3);
    IommuFwspec fc = fx.build(c, otherNode, 4);
    core.probeDevice(a, fa);
    core.probeDevice(b, fb);
    core.probeDevice(c, fc);
    IommuGroup groupA = a.iommuBinding().orElseThrow().group();
    assertThat(fx.live()).isEqualTo(3);

    core.unregisterInstance(fx.instance);

    assertThat(fa.state()).isEqualTo(FwspecState.FREED);
    assertThat(fb.state()).isEqualTo(FwspecState.FREED);
    assertThat(a.iommuBinding()).isEmpty();
    assertThat(b.iommuBinding()).isEmpty();
    assertThat(groupA.members()).isEmpty();
    assertThat(fx.driver.released).containsExactlyInAnyOrder(a, b);
    assertThat(fx.driver.releaseHeldLock).containsOnly(true);
    assertThat(fx.instance.isRegisteredIn(core)).isFalse();
    assertThat(core.isRegistered(fx.node)).isFalse();
    // the other instance's device is untouched
    assertThat(fc.state()).isEqualTo(FwspecState.INSTALLED);
    assertThat(c.iommuBinding().orElseThrow().instance()).isSameAs(other);
    assertThat(otherDriver.released).isEmpty();
    assertThat(fx.live()).isEqualTo(1);
    // devices are not re-probed automatically when the instance comes back
    core.registerInstance(fx.instance);
    assertThat(a.isIommuMapped()).isFalse();
    assertThat(fx.driver.probed).hasSize(2);
  }

  @Test
  void releaseFreesEverythingOnceAndIsIdempotent() throws IommuException {
    core.registerInstance(fx.instance);
    Device dev = fx.addDevice("dev");
    IommuFwspec fwspec = fx.build(dev, 1);
    core.probeDevice(dev, fwspec);
    IommuGroup group = dev.iommuBinding().orElseThrow().group();

    core.releaseDevice(dev);

    assertThat(dev.iommuBinding()).isEmpty();
    assertThat(fwspec.state()).isEqualTo(FwspecState.FREED);
    assertThat(group.members()).isEmpty();
    assertThat(fx.driver.released).containsExactly(dev);
    assertThat(fx.live()).isZero();

    core.releaseDevice(dev);
    assertThat(fx.driver.released).containsExactly(dev);
    assertThat(fx.live()).isZero();
    // unregistering afterwards does not release it a second time
    core.unregisterInstance(fx.instance);
    assertThat(fx.driver.released).containsExactly(dev);
  }

  @Test
  void releaseOfADeviceWithoutIommuStateDoesNothing() {
    Device dev = fx.addDevice("dev");
    core.releaseDevice(dev);
    assertThat(dev.isIommuMapped()).isFalse();
    assertThat(fx.driver.released).isEmpty();
  }

  @Test
  void removeDeviceReleasesAndForgetsIt() throws IommuException {
    core.registerInstance(fx.instance);
    Device dev = fx.addDevice("dev");
    Device kept = fx.addDevice("kept");
    IommuFwspec fwspec = fx.build(dev, 1);
    core.probeDevice(dev, fwspec);

    core.removeDevice(dev);

    assertThat(core.devices()).containsExactly(kept);
    assertThat(dev.isIommuMapped()).isFalse();
    assertThat(fwspec.state()).isEqualTo(FwspecState.FREED);
    assertThat(fx.driver.released).containsExactly(dev);
    assertThat(fx.live()).isZero();
    // a removed device cannot be added again
    assertThatThrownBy(() -> core.addDevice(dev)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void removedDeviceIsNoLongerWaitingForItsIommu() throws IommuException {
    Device dev = TestGlue.device("dev", TestGlue.Entry.of(fx.node, 1));
    core.addDevice(dev);
    assertThat(core.dmaConfigure(dev)).isInstanceOf(DmaConfigureResult.Deferred.class);
    assertThat(core.waitingDevices()).containsExactly(dev);

    core.removeDevice(dev);

    assertThat(core.waitingDevices()).isEmpty();
    core.registerInstance(fx.instance);
    assertThat(TestGlue.calls(dev)).isEqualTo(1);
    assertThat(dev.isIommuMapped()).isFalse();
  }

  @Test
  void addingADeviceTwiceOrToTwoCoresThrows() {
    Device dev = fx.addDevice("dev");
    assertThatThrownBy(() -> core.addDevice(dev)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> new IommuCore().addDevice(dev))
        .isInstanceOf(IllegalStateException.class);
    assertThat(core.devices()).containsExactly(dev);
  }

  @Test
  void nodelessInstanceProbesDevicesWithoutFwspec() throws IommuException {
    StandInDriver bus = StandInDriver.create("bus-wide");
    IommuInstance nodeless = bus.newInstance("bus0", null);
    Device a = fx.addDevice("a");
    Device b = fx.addDevice("b");

    core.registerInstance(nodeless); // the bus walk binds every device

    assertThat(a.iommuBinding().orElseThrow().instance()).isSameAs(nodeless);
    assertThat(a.iommuBinding().orElseThrow().ids().asList()).isEmpty();
    assertThat(b.iommuBinding().orElseThrow().instance()).isSameAs(nodeless);
    assertThat(bus.finalized).containsExactly(a, b);
    assertThat(fx.live()).isZero(); // no fwspec involved

    // a device added later is probed at add time
    Device c = Device.builder("c", BusKind.PCI).pci(PciFunction.of(new Bdf(0, 0, 8))).build();
    core.addDevice(c);
    assertThat(c.iommuBinding().orElseThrow().instance()).isSameAs(nodeless);

    core.unregisterInstance(nodeless);
    assertThat(a.isIommuMapped()).isFalse();
    assertThat(c.isIommuMapped()).isFalse();
    assertThat(bus.released).containsExactlyInAnyOrder(a, b, c);
  }

  @Test
  void nodelessWalkDoesNotRebindDevicesAlreadyBound() throws IommuException {
    core.registerInstance(fx.instance);
    Device dev = fx.addDevice("dev");
    core.probeDevice(dev, fx.build(dev, 1));
    StandInDriver bus = StandInDriver.create("bus-wide");
    IommuInstance nodeless = bus.newInstance("bus0", null);
    core.registerInstance(nodeless);
    assertThat(dev.iommuBinding().orElseThrow().instance()).isSameAs(fx.instance);
    assertThat(bus.probed).isEmpty();
  }

  @Test
  void failingNodelessWalkUnregistersTheInstanceAgain() {
    StandInDriver bus = StandInDriver.create("bus-wide");
    IommuInstance nodeless = bus.newInstance("bus0", null);
    Device a = fx.addDevice("a");
    Device b = fx.addDevice("b");
    bus.probeHook =
        ctx -> {
          if (ctx.device() == b) {
            throw new IommuException(Errno.EEXIST, "stream map entry taken");
          }
        };

    assertThatThrownBy(() -> core.registerInstance(nodeless))
        .isInstanceOf(IommuException.class)
        .satisfies(e -> assertThat(((IommuException) e).errno()).isEqualTo(Errno.EEXIST));

    assertThat(nodeless.isRegisteredIn(core)).isFalse();
    assertThat(core.instances()).isEmpty();
    assertThat(a.isIommuMapped()).isFalse(); // bound during the walk, released by the unwind
    assertThat(b.isIommuMapped()).isFalse();
    assertThat(bus.released).containsExactly(a);
  }

  @Test
  void crashingDriverInTheNodelessWalkUnregistersTheInstanceAgain() {
    StandInDriver bus = StandInDriver.create("bus-wide");
    IommuInstance nodeless = bus.newInstance("bus0", null);
    Device a = fx.addDevice("a");
    Device b = fx.addDevice("b");
    bus.probeHook =
        ctx -> {
          if (ctx.device() == b) {
            throw new StandInDriver.DriverBug("crash on " + b);
          }
        };

    assertThatThrownBy(() -> core.registerInstance(nodeless))
        .isInstanceOf(StandInDriver.DriverBug.class);

    assertThat(nodeless.isRegisteredIn(core)).isFalse();
    assertThat(core.instances()).isEmpty();
    assertThat(a.isIommuMapped()).isFalse();
    assertThat(b.isIommuMapped()).isFalse();
    assertThat(core.holdsProbeLock()).isFalse();
  }

  @Test
  void aNodelessWalkFailingAfterItsInstanceWasUnregisteredReportsTheWalksOwnError() {
    StandInDriver bus = StandInDriver.create("bus-wide");
    IommuInstance nodeless = bus.newInstance("bus0", null);
    Device a = fx.addDevice("a");
    Device b = fx.addDevice("b");
    bus.probeHook =
        ctx -> {
          if (ctx.device() == b) {
            core.unregisterInstance(nodeless); // from under the walk (the probe lock is reentrant)
            throw new IommuException(Errno.EEXIST, "stream map entry taken");
          }
        };

    // before: the unwind's own unregistration threw "not registered in this core" instead
    assertThatThrownBy(() -> core.registerInstance(nodeless))
        .isInstanceOf(IommuException.class)
        .satisfies(e -> assertThat(((IommuException) e).errno()).isEqualTo(Errno.EEXIST));

    assertThat(core.instances()).isEmpty();
    assertThat(a.isIommuMapped()).isFalse(); // released by the unregistration inside the walk
    assertThat(bus.released).containsExactly(a);
    assertThat(core.holdsProbeLock()).isFalse();
  }

  @Test
  void aRemovedDeviceCannotBeBoundAgain() throws IommuException {
    core.registerInstance(fx.instance);
    Device dev = fx.addDevice("dev");
    IommuFwspec late = fx.build(dev, 1); // built by a glue that raced with the removal
    core.removeDevice(dev);

    try {
      core.probeDevice(dev, late);
    } catch (IllegalStateException acceptable) {
      // rejecting the hand-off outright is fine too
    }

    assertThat(dev.isIommuMapped()).isFalse();
    assertThat(late.state()).isEqualTo(FwspecState.FREED);
    assertThat(fx.live()).isZero();
  }
}
