package dev.iommufw.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.primitives.ImmutableIntArray;
import dev.iommufw.core.testing.StandInDriver;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** {@code probeDevice} with a fwspec (kernel-model.md §2.14, §3.4, §4 invariants 2, 5, 6). */
class IommuCoreProbeTest {
  private final Fixture fx = Fixture.registered();
  private final IommuCore core = fx.core;

  /** What a probe of {@code dev} sees as private data on entry (null = no stale state). */
  private @Nullable Object privSeenByNextProbe(Device dev) throws IommuException {
    List<@Nullable Object> seen = new ArrayList<>();
    fx.driver.probeHook = ctx -> seen.add(ctx.priv());
    try {
      core.probeDevice(dev, fx.build(dev, 0x77));
    } finally {
      fx.driver.probeHook = null;
    }
    assertThat(seen).hasSize(1);
    return seen.get(0);
  }

  @Test
  void probeInstallsFwspecAndPublishesBinding() throws IommuException {
    Device dev = fx.addDevice("dev");
    IommuFwspec fwspec = fx.build(dev, 0x10, 0x11, 0x10);
    fwspec.addFlags(IommuFwspec.FLAG_PCI_RC_ATS);

    ProbeResult r = core.probeDevice(dev, fwspec);

    assertThat(r).isInstanceOf(ProbeResult.Bound.class);
    assertThat(r.errno()).isNull();
    IommuBinding b = ((ProbeResult.Bound) r).binding();
    assertThat(b.instance()).isSameAs(fx.instance);
    assertThat(b.ids().asList()).containsExactly(0x10, 0x11, 0x10);
    assertThat(b.flags()).isEqualTo(IommuFwspec.FLAG_PCI_RC_ATS);
    assertThat(b.group().members()).containsExactly(dev);
    assertThat(dev.iommuBinding()).contains(b);
    assertThat(dev.isIommuMapped()).isTrue();
    assertThat(fwspec.state()).isEqualTo(FwspecState.INSTALLED);
    assertThat(fx.live()).isEqualTo(1);
    assertThat(fx.driver.probed).containsExactly(dev);
    assertThat(fx.driver.finalized).containsExactly(dev);
    assertThat(fx.driver.finalizeHeldLock).containsExactly(false);
    assertThat(fx.driver.released).isEmpty();
  }

  @Test
  void eachDeviceGetsItsOwnGenericGroup() throws IommuException {
    Device a = fx.addDevice("a");
    Device b = fx.addDevice("b");
    core.probeDevice(a, fx.build(a, 1));
    core.probeDevice(b, fx.build(b, 2));
    IommuGroup ga = a.iommuBinding().orElseThrow().group();
    IommuGroup gb = b.iommuBinding().orElseThrow().group();
    assertThat(ga).isNotSameAs(gb);
    assertThat(ga.id()).isNotEqualTo(gb.id());
    assertThat(ga.members()).containsExactly(a);
  }

  @Test
  void alreadyProbedDeviceKeepsInstalledFwspecAndFreesTheNewOne() throws IommuException {
    Device dev = fx.addDevice("dev");
    IommuFwspec first = fx.build(dev, 1, 2);
    IommuBinding binding = ((ProbeResult.Bound) core.probeDevice(dev, first)).binding();
    IommuFwspec second = fx.build(dev, 3);

    ProbeResult r = core.probeDevice(dev, second);

    assertThat(r).isEqualTo(new ProbeResult.AlreadyBound(binding));
    assertThat(r.errno()).isNull();
    assertThat(second.state()).isEqualTo(FwspecState.FREED);
    assertThat(first.state()).isEqualTo(FwspecState.INSTALLED);
    assertThat(dev.iommuBinding()).containsSame(binding);
    assertThat(fx.live()).isEqualTo(1);
    assertThat(fx.driver.probed).hasSize(1);
    // probe_finalize runs again on the replay (§2.14)
    assertThat(fx.driver.finalized).containsExactly(dev, dev);
  }

  @Test
  void alreadyProbedWithoutFwspecReportsExistingBinding() throws IommuException {
    Device dev = fx.addDevice("dev");
    core.probeDevice(dev, fx.build(dev, 1));
    ProbeResult r = core.probeDevice(dev);
    assertThat(r).isInstanceOf(ProbeResult.AlreadyBound.class);
    assertThat(fx.live()).isEqualTo(1);
  }

  @Test
  void fwspecForAnotherIommuDoesNotMoveAnAlreadyProbedDevice() throws IommuException {
    StandInDriver otherDriver = StandInDriver.create("other");
    FwNode otherNode = FwNode.create("/other-iommu");
    IommuInstance other = otherDriver.newInstance("other0", otherNode);
    core.registerInstance(other);
    Device dev = fx.addDevice("dev");
    core.probeDevice(dev, fx.build(dev, 1));
    IommuFwspec forOther = fx.build(dev, otherNode, 9);

    ProbeResult r = core.probeDevice(dev, forOther);

    assertThat(r).isInstanceOf(ProbeResult.AlreadyBound.class);
    assertThat(((ProbeResult.AlreadyBound) r).binding().instance()).isSameAs(fx.instance);
    assertThat(dev.iommuBinding().orElseThrow().instance()).isSameAs(fx.instance);
    assertThat(dev.iommuBinding().orElseThrow().ids().asList()).containsExactly(1);
    assertThat(forOther.state()).isEqualTo(FwspecState.FREED);
    assertThat(otherDriver.probed).isEmpty();
  }

  @Test
  void fwspecWithNoIommuIsConsumedAndMeansNoIommu_defectD4() {
    Device dev = fx.addDevice("dev");
    IommuFwspec empty = core.allocFwspec();
    empty.appendIds(1, 2);

    ProbeResult r = core.probeDevice(dev, empty);

    assertThat(r).isInstanceOf(ProbeResult.NoIommu.class);
    assertThat(r.errno()).isEqualTo(Errno.ENODEV);
    assertThat(empty.state()).isEqualTo(FwspecState.FREED);
    assertThat(dev.isIommuMapped()).isFalse();
    assertThat(fx.live()).isZero();
    assertThat(fx.driver.probed).isEmpty();
  }

  @Test
  void fwspecWithNoIommuIsConsumedEvenForAProbedDevice() throws IommuException {
    Device dev = fx.addDevice("dev");
    core.probeDevice(dev, fx.build(dev, 1));
    IommuFwspec empty = core.allocFwspec();
    ProbeResult r = core.probeDevice(dev, empty);
    assertThat(r).isInstanceOf(ProbeResult.NoIommu.class);
    assertThat(empty.state()).isEqualTo(FwspecState.FREED);
    assertThat(dev.iommuBinding().orElseThrow().ids().asList()).containsExactly(1);
    assertThat(fx.live()).isEqualTo(1);
  }

  @Test
  void probeWithoutFwspecOrBusWideIommuIsNoIommu() {
    Device dev = fx.addDevice("dev");
    ProbeResult r = core.probeDevice(dev);
    assertThat(r).isInstanceOf(ProbeResult.NoIommu.class);
    assertThat(dev.isIommuMapped()).isFalse();
    assertThat(fx.driver.probed).isEmpty();
  }

  @Test
  void addDeviceLeavesFirmwareDescribedDevicesUnboundUntilConfigured() {
    Device dev = Device.builder("d", BusKind.PLATFORM).build();
    core.addDevice(dev);
    assertThat(dev.isIommuMapped()).isFalse();
    assertThat(dev.core()).isSameAs(core);
    assertThat(core.devices()).containsExactly(dev);
  }

  @Test
  void driverRejectingIdsLeavesNoState() throws IommuException {
    fx.driver.rejectInProbe.add(0x99);
    fx.driver.setPriv = true;
    Device dev = fx.addDevice("dev");
    fx.driver.probeHook = ctx -> ctx.setPriv("stale"); // priv set, then the probe fails
    IommuFwspec fwspec = fx.build(dev, 0x10, 0x99);

    ProbeResult r = core.probeDevice(dev, fwspec);

    assertThat(r).isInstanceOf(ProbeResult.Failed.class);
    ProbeResult.Failed failed = (ProbeResult.Failed) r;
    assertThat(failed.error()).isEqualTo(Errno.ERANGE);
    assertThat(failed.errno()).isEqualTo(Errno.ERANGE);
    assertThat(failed.ids().asList()).containsExactly(0x10, 0x99);
    assertThat(fwspec.state()).isEqualTo(FwspecState.FREED);
    assertThat(dev.iommuBinding()).isEmpty();
    assertThat(fx.live()).isZero();
    // the driver never accepted the device, so it is not asked to release it
    assertThat(fx.driver.released).isEmpty();
    assertThat(fx.driver.finalized).isEmpty();
    fx.driver.rejectInProbe.clear();
    assertThat(privSeenByNextProbe(dev)).isNull();
  }

  @Test
  void driverThrowingRuntimeExceptionLeavesNoState() throws IommuException {
    fx.driver.throwFromProbe = true;
    Device dev = fx.addDevice("dev");
    fx.driver.probeHook = ctx -> ctx.setPriv("stale");
    IommuFwspec fwspec = fx.build(dev, 0x10);

    assertThatThrownBy(() -> core.probeDevice(dev, fwspec))
        .isInstanceOf(StandInDriver.DriverBug.class);

    assertThat(fwspec.state()).isEqualTo(FwspecState.FREED);
    assertThat(dev.iommuBinding()).isEmpty();
    assertThat(fx.live()).isZero();
    assertThat(core.holdsProbeLock()).isFalse();
    fx.driver.throwFromProbe = false;
    assertThat(privSeenByNextProbe(dev)).isNull();
  }

  @Test
  void failureAfterDriverAcceptedCallsReleaseAndLeavesNoState() throws IommuException {
    fx.driver.setPriv = true;
    fx.driver.failDeviceGroup = Errno.EINVAL;
    Device dev = fx.addDevice("dev");
    IommuFwspec fwspec = fx.build(dev, 5);

    ProbeResult r = core.probeDevice(dev, fwspec);

    assertThat(r).isInstanceOf(ProbeResult.Failed.class);
    assertThat(r.errno()).isEqualTo(Errno.EINVAL);
    assertThat(fx.driver.released).containsExactly(dev);
    assertThat(fx.driver.releaseHeldLock).containsExactly(true);
    assertThat(fwspec.state()).isEqualTo(FwspecState.FREED);
    assertThat(dev.isIommuMapped()).isFalse();
    assertThat(fx.live()).isZero();
    fx.driver.failDeviceGroup = null;
    fx.driver.setPriv = false;
    assertThat(privSeenByNextProbe(dev)).isNull();
  }

  @Test
  void driverChoosingAnUnregisteredInstanceIsNoIommuAndUndone() throws IommuException {
    IommuInstance unregistered = fx.driver.newInstance("ghost", FwNode.create("/ghost"));
    fx.driver.forceReturn = unregistered;
    Device dev = fx.addDevice("dev");
    IommuFwspec fwspec = fx.build(dev, 5);

    ProbeResult r = core.probeDevice(dev, fwspec);

    assertThat(r).isInstanceOf(ProbeResult.NoIommu.class);
    assertThat(fwspec.state()).isEqualTo(FwspecState.FREED);
    assertThat(fx.driver.released).containsExactly(dev);
    assertThat(dev.isIommuMapped()).isFalse();
    assertThat(fx.live()).isZero();
  }

  @Test
  void driverReturningAnotherDriversInstanceIsRejected() throws IommuException {
    StandInDriver otherDriver = StandInDriver.create("other");
    IommuInstance foreign = otherDriver.newInstance("other0", FwNode.create("/other"));
    core.registerInstance(foreign);
    fx.driver.forceReturn = foreign;
    Device dev = fx.addDevice("dev");
    ProbeResult r = core.probeDevice(dev, fx.build(dev, 5));
    assertThat(r).isInstanceOf(ProbeResult.NoIommu.class);
    assertThat(dev.isIommuMapped()).isFalse();
    assertThat(foreign.isRegisteredIn(core)).isTrue();
    assertThat(fx.live()).isZero();
  }

  @Test
  void probeAfterFailureCanSucceed() throws IommuException {
    fx.driver.rejectInProbe.add(7);
    Device dev = fx.addDevice("dev");
    assertThat(core.probeDevice(dev, fx.build(dev, 7))).isInstanceOf(ProbeResult.Failed.class);
    fx.driver.rejectInProbe.clear();
    assertThat(core.probeDevice(dev, fx.build(dev, 7))).isInstanceOf(ProbeResult.Bound.class);
    assertThat(fx.live()).isEqualTo(1);
  }

  @Test
  void driverPrivIsKeptWhileBoundAndDroppedOnRelease() throws IommuException {
    fx.driver.setPriv = true;
    fx.driver.busyIfPrivSet = true;
    Device dev = fx.addDevice("dev");
    core.probeDevice(dev, fx.build(dev, 1));
    core.releaseDevice(dev);
    assertThat(fx.driver.privAtRelease).containsExactly("priv:dev"); // still there for release
    // after release a new probe does not trip over stale priv (SMMUv3 would say EBUSY)
    assertThat(core.probeDevice(dev, fx.build(dev, 1))).isInstanceOf(ProbeResult.Bound.class);
  }

  @Test
  void deviceOfAnotherCoreIsRejectedAndFwspecFreed() throws IommuException {
    IommuCore other = new IommuCore();
    Device foreignDev = Device.builder("foreign", BusKind.PLATFORM).build();
    other.addDevice(foreignDev);
    IommuFwspec fwspec = fx.build(fx.addDevice("local"), 1);

    assertThatThrownBy(() -> core.probeDevice(foreignDev, fwspec))
        .isInstanceOf(IllegalStateException.class);

    assertThat(fwspec.state()).isEqualTo(FwspecState.FREED);
    assertThat(fx.live()).isZero();
    assertThat(foreignDev.isIommuMapped()).isFalse();
  }

  @Test
  void fwspecOfAnotherCoreIsRejectedAndFreed() {
    IommuCore other = new IommuCore();
    Device dev = fx.addDevice("dev");
    IommuFwspec foreign = other.allocFwspec();

    assertThatThrownBy(() -> core.probeDevice(dev, foreign))
        .isInstanceOf(IllegalStateException.class);

    assertThat(foreign.state()).isEqualTo(FwspecState.FREED);
    assertThat(other.fwspecsFreed()).isEqualTo(other.fwspecsAllocated());
    assertThat(dev.isIommuMapped()).isFalse();
  }

  @Test
  void deviceNotAddedToAnyCoreIsRejectedAndFwspecFreed() {
    Device loose = Device.builder("loose", BusKind.PLATFORM).build();
    IommuFwspec fwspec = core.allocFwspec();
    assertThatThrownBy(() -> core.probeDevice(loose, fwspec))
        .isInstanceOf(IllegalStateException.class);
    assertThat(fwspec.state()).isEqualTo(FwspecState.FREED);
    assertThatThrownBy(() -> core.releaseDevice(loose)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> core.dmaConfigure(loose)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void resultTypesMapToKernelErrors() {
    assertThat(new ProbeResult.NoIommu("x").errno()).isEqualTo(Errno.ENODEV);
    assertThat(new ProbeResult.Failed(Errno.EEXIST, "x", ImmutableIntArray.of()).errno())
        .isEqualTo(Errno.EEXIST);
    assertThatThrownBy(() -> new ProbeResult.Failed(Errno.ENODEV, "x", ImmutableIntArray.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(Errno.EPROBE_DEFER.kernelValue()).isEqualTo(517);
    assertThat(Errno.ENODEV.kernelValue()).isEqualTo(19);
  }
}
