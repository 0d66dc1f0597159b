package dev.iommufw.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.primitives.ImmutableIntArray;
import dev.iommufw.core.testing.StandInDriver;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link IommuCore#fwspecOfXlate}: the lock-free {@code of_xlate_fwspec} path, the legacy {@code
 * of_xlate} path with the fwspec parked in the device under the probe lock, and the cleanup of
 * driver private data when translation fails (kernel-model.md §2.8, §5.7, defect D6).
 */
class LegacyOfXlateTest {
  private final IommuCore core = new IommuCore();
  private final StandInDriver legacy = StandInDriver.legacy("dart");
  private final FwNode dartNode = FwNode.create("/dart@1000");
  private final IommuInstance dart = legacy.newInstance("dart0", dartNode);

  private Device addDevice(String name, TestGlue.Entry... entries) {
    Device dev = TestGlue.device(name, entries);
    core.addDevice(dev);
    return dev;
  }

  private long live() {
    return core.fwspecsAllocated() - core.fwspecsFreed();
  }

  @Test
  void legacyXlateParksTheGluesFwspecUnderTheLock() throws IommuException {
    core.registerInstance(dart);
    Device dev = addDevice("dev");
    IommuFwspec fwspec = core.allocFwspec();

    core.fwspecOfXlate(fwspec, dev, dartNode, ImmutableIntArray.of(3, 4));
    core.fwspecOfXlate(fwspec, dev, dartNode, ImmutableIntArray.of(5));

    assertThat(legacy.seenFwspecs).containsExactly(fwspec, fwspec);
    assertThat(legacy.seenPriv).containsExactly(null, "legacy-priv:dev");
    assertThat(fwspec.state()).isEqualTo(FwspecState.BUILDING);
    assertThat(fwspec.ids().toArray()).containsExactly(3, 4, 5);
    assertThat(fwspec.iommuFwNode()).isSameAs(dartNode);
    assertThat(dev.isIommuMapped()).isFalse();
    assertThat(core.holdsProbeLock()).isFalse();

    // the legacy driver's probe_device needs both the fwspec and the priv set in of_xlate
    ProbeResult r = core.probeDevice(dev, fwspec);
    assertThat(r).isInstanceOf(ProbeResult.Bound.class);
    assertThat(dev.iommuBinding().orElseThrow().ids().asList()).containsExactly(3, 4, 5);
    assertThat(dev.iommuBinding().orElseThrow().instance()).isSameAs(dart);
  }

  @Test
  void parkedFwspecIsNotInstalledAfterTheXlate() throws IommuException {
    core.registerInstance(dart);
    StandInDriver bus = StandInDriver.create("bus");
    List<Object> seenByWalk = Collections.synchronizedList(new ArrayList<>());
    bus.probeHook = ctx -> seenByWalk.add(String.valueOf(ctx.fwspec()));
    Device dev = addDevice("dev");
    IommuFwspec fwspec = core.allocFwspec();
    core.fwspecOfXlate(fwspec, dev, dartNode, ImmutableIntArray.of(1));

    core.registerInstance(bus.newInstance("bus0", null)); // a walk right after the xlate

    assertThat(seenByWalk).containsExactly("null"); // no half-built fwspec visible
    fwspec.dealloc();
  }

  @Test
  void fullConfigureThroughTheGlue() throws IommuException {
    core.registerInstance(dart);
    Device dev = addDevice("dev", TestGlue.Entry.of(dartNode, 7), TestGlue.Entry.of(dartNode, 8));
    assertThat(core.dmaConfigure(dev)).isInstanceOf(DmaConfigureResult.Configured.class);
    assertThat(dev.iommuBinding().orElseThrow().ids().asList()).containsExactly(7, 8);
    core.releaseDevice(dev);
    assertThat(legacy.released).containsExactly(dev);
    assertThat(live()).isZero();
  }

  @Test
  void failedXlateDropsDriverPriv_defectD6() throws IommuException {
    core.registerInstance(dart);
    legacy.rejectInXlate.add(0xbad);
    Device dev = addDevice("dev", TestGlue.Entry.of(dartNode, 0xbad));

    DmaConfigureResult r = core.dmaConfigure(dev);

    assertThat(r.errno()).isEqualTo(Errno.ERANGE);
    assertThat(live()).isZero();
    assertThat(dev.isIommuMapped()).isFalse();
    legacy.rejectInXlate.clear();
    legacy.seenPriv.clear();
    assertThat(core.dmaConfigure(dev)).isInstanceOf(DmaConfigureResult.Configured.class);
    assertThat(legacy.seenPriv).containsExactly((Object) null); // no stale priv from the failure
  }

  @Test
  void failureOfALaterSpecifierDropsPrivSetByAnEarlierOne_defectD6() throws IommuException {
    core.registerInstance(dart);
    legacy.rejectInXlate.add(0xbad);
    Device dev =
        addDevice("dev", TestGlue.Entry.of(dartNode, 1), TestGlue.Entry.of(dartNode, 0xbad));

    assertThat(core.dmaConfigure(dev).errno()).isEqualTo(Errno.ERANGE);

    legacy.rejectInXlate.clear();
    legacy.seenPriv.clear();
    assertThat(core.dmaConfigure(dev)).isInstanceOf(DmaConfigureResult.Configured.class);
    assertThat(legacy.seenPriv).first().isNull(); // the first xlate of the retry sees no stale priv
  }

  @Test
  void deferralAfterALegacyXlateDropsPriv_defectD6() throws IommuException {
    core.registerInstance(dart);
    FwNode laterNode = FwNode.create("/dart@2000");
    IommuInstance later = legacy.newInstance("dart1", laterNode);
    Device dev = addDevice("dev", TestGlue.Entry.of(dartNode, 1), TestGlue.Entry.of(laterNode, 2));

    assertThat(core.dmaConfigure(dev)).isEqualTo(new DmaConfigureResult.Deferred(laterNode));
    assertThat(live()).isZero();
    legacy.seenPriv.clear();

    core.registerInstance(later); // retries the device

    assertThat(dev.iommuBinding().orElseThrow().ids().asList()).containsExactly(1, 2);
    assertThat(legacy.seenPriv).first().isNull();
  }

  @Test
  void failedLegacyXlateOnABoundDeviceKeepsItsBinding() throws IommuException {
    core.registerInstance(dart);
    Device dev = addDevice("dev", TestGlue.Entry.of(dartNode, 1));
    core.dmaConfigure(dev);
    IommuBinding before = dev.iommuBinding().orElseThrow();
    legacy.rejectInXlate.add(0xbad);
    IommuFwspec fwspec = core.allocFwspec();

    assertThatThrownBy(() -> core.fwspecOfXlate(fwspec, dev, dartNode, ImmutableIntArray.of(0xbad)))
        .isInstanceOf(IommuException.class);

    assertThat(dev.iommuBinding()).containsSame(before);
    fwspec.dealloc();
    core.releaseDevice(dev);
    assertThat(legacy.released).containsExactly(dev);
    assertThat(live()).isZero();
  }

  @Test
  void legacyXlateOnABoundDeviceEndsAlreadyBound() throws IommuException {
    core.registerInstance(dart);
    Device dev = addDevice("dev", TestGlue.Entry.of(dartNode, 1));
    core.dmaConfigure(dev);
    IommuFwspec fwspec = core.allocFwspec();
    core.fwspecOfXlate(fwspec, dev, dartNode, ImmutableIntArray.of(2));
    assertThat(fwspec.ids().toArray()).containsExactly(2);
    assertThat(core.probeDevice(dev, fwspec)).isInstanceOf(ProbeResult.AlreadyBound.class);
    assertThat(dev.iommuBinding().orElseThrow().ids().asList()).containsExactly(1);
    assertThat(live()).isEqualTo(1);
  }

  @Test
  void driverWithoutAnyXlateIsEnodev() throws IommuException {
    IommuOps bare =
        new IommuOps() {
          @Override
          public String name() {
            return "bare";
          }

          @Override
          public IommuInstance probeDevice(ProbeContext ctx) throws IommuException {
            throw new IommuException(Errno.ENODEV, "never");
          }
        };
    FwNode node = FwNode.create("/bare");
    core.registerInstance(new IommuInstance("bare0", node, bare));
    Device dev = addDevice("dev");
    IommuFwspec fwspec = core.allocFwspec();

    assertThatThrownBy(() -> core.fwspecOfXlate(fwspec, dev, node, ImmutableIntArray.of(1)))
        .isInstanceOf(IommuException.class)
        .satisfies(e -> assertThat(((IommuException) e).errno()).isEqualTo(Errno.ENODEV));
    assertThat(fwspec.state()).isEqualTo(FwspecState.BUILDING); // still the glue's to free
    fwspec.dealloc();
  }

  @Test
  void moreThanSixteenCellsIsRejected() throws IommuException {
    core.registerInstance(dart);
    Device dev = addDevice("dev");
    IommuFwspec fwspec = core.allocFwspec();
    int[] cells = new int[17];
    assertThatThrownBy(
            () -> core.fwspecOfXlate(fwspec, dev, dartNode, ImmutableIntArray.copyOf(cells)))
        .isInstanceOf(IllegalArgumentException.class);
    core.fwspecOfXlate(fwspec, dev, dartNode, ImmutableIntArray.copyOf(new int[16]));
    assertThat(fwspec.numIds()).isEqualTo(16);
    fwspec.dealloc();
  }

  @Test
  void legacyXlateForADeviceOfNoCoreIsRejected() throws IommuException {
    core.registerInstance(dart);
    Device loose = Device.builder("loose", BusKind.PLATFORM).build();
    IommuFwspec fwspec = core.allocFwspec();
    assertThatThrownBy(() -> core.fwspecOfXlate(fwspec, loose, dartNode, ImmutableIntArray.of(1)))
        .isInstanceOf(IllegalStateException.class);
    fwspec.dealloc();
    assertThat(live()).isZero();
  }

  /** A driver with both translations: the core must prefer the lock-free one (patch 15). */
  private static final class BothDriver
      implements IommuOps, IommuOps.OfXlateFwspec, IommuOps.LegacyOfXlate {
    final List<String> calls = new ArrayList<>();

    @Override
    public String name() {
      return "both";
    }

    @Override
    public IommuInstance probeDevice(ProbeContext ctx) throws IommuException {
      throw new IommuException(Errno.ENODEV, "unused");
    }

    @Override
    public void ofXlateFwspec(
        IommuFwspec fwspec, Device dev, FwNode iommuNode, ImmutableIntArray args) {
      calls.add("fwspec, lock held=" + fwspec.core().holdsProbeLock());
      fwspec.appendIds(args.toArray());
    }

    @Override
    public void ofXlate(ProbeContext ctx, FwNode iommuNode, ImmutableIntArray args) {
      calls.add("legacy");
    }
  }

  @Test
  void ofXlateFwspecIsPreferredAndRunsWithoutTheLock() throws IommuException {
    BothDriver both = new BothDriver();
    FwNode node = FwNode.create("/both");
    core.registerInstance(new IommuInstance("both0", node, both));
    Device dev = addDevice("dev");
    IommuFwspec fwspec = core.allocFwspec();
    core.fwspecOfXlate(fwspec, dev, node, ImmutableIntArray.of(9));
    assertThat(both.calls).containsExactly("fwspec, lock held=false");
    assertThat(fwspec.ids().toArray()).containsExactly(9);
    fwspec.dealloc();
  }
}
