package dev.iommufw.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.primitives.ImmutableIntArray;
import dev.iommufw.core.BusKind;
import dev.iommufw.core.Device;
import dev.iommufw.core.Errno;
import dev.iommufw.core.FwNode;
import dev.iommufw.core.FwspecState;
import dev.iommufw.core.IommuBinding;
import dev.iommufw.core.IommuCore;
import dev.iommufw.core.IommuException;
import dev.iommufw.core.IommuFwspec;
import dev.iommufw.core.IommuGroup;
import dev.iommufw.core.IommuInstance;
import dev.iommufw.core.IommuOps;
import dev.iommufw.core.ProbeContext;
import dev.iommufw.core.ProbeResult;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link IommuOps} must do with the core, as a JUnit 5 suite that each driver's test
 * subclasses once (the way JCTools runs one queue sanity suite over every queue): the reference
 * drivers in the drivers module and the {@link StandInDriver} here.
 *
 * <p>The suite checks the probe/release lifecycle, fwspec ownership (the driver reads the installed
 * fwspec and never keeps or frees it: after release every fwspec allocated is freed), that a device
 * whose fwspec is another driver's or that has none is refused with {@link Errno#ENODEV}, that
 * {@code probe_device} reads the device's slot only through the {@link ProbeContext} of the call
 * (one kept past its callback fails fast), the device's group, and the device tree translation
 * where the driver has one (and {@link Errno#ENODEV} where it has none).
 *
 * <p>A subclass says how to make the driver and an instance of it, and which IDs and specifier the
 * driver accepts.
 */
public abstract class IommuOpsContract {
  /** The system under test, fresh for each test. */
  protected IommuCore core = new IommuCore();

  /** The driver under test, fresh for each test. */
  protected IommuOps ops = StandInDriver.create("unset");

  /** Its registered instance, on {@link #node}. */
  protected IommuInstance instance = StandInDriver.create("unset").newInstance("unset");

  /** The instance's firmware node. */
  protected FwNode node = FwNode.create("/iommu@1000");

  /**
   * A new driver object (a new driver to the core).
   *
   * @return the driver
   */
  protected abstract IommuOps newDriver();

  /**
   * A new, unregistered instance of {@code driver} for {@code iommuNode}.
   *
   * @param driver a driver made by {@link #newDriver()}
   * @param iommuNode the instance's firmware node
   * @return the instance
   */
  protected abstract IommuInstance newInstance(IommuOps driver, FwNode iommuNode);

  /**
   * IDs the driver accepts for one device, as the firmware glue would record them.
   *
   * @return the IDs
   */
  protected int[] acceptedIds() {
    return new int[] {0x10};
  }

  /**
   * A device tree specifier the driver translates, if it translates specifiers.
   *
   * @return the cells
   */
  protected ImmutableIntArray specifier() {
    return ImmutableIntArray.of(0x10);
  }

  /**
   * The IDs {@link #specifier()} translates to.
   *
   * @return the IDs
   */
  protected int[] idsOfSpecifier() {
    return new int[] {0x10};
  }

  /** Makes a fresh core, driver and registered instance. */
  @BeforeEach
  protected void setUpContract() throws IommuException {
    core = new IommuCore();
    ops = newDriver();
    node = FwNode.create("/iommu@1000");
    instance = newInstance(ops, node);
    core.registerInstance(instance);
  }

  /** A platform device added to the core. */
  protected Device addDevice(String name) {
    Device dev = Device.builder(name, BusKind.PLATFORM).build();
    core.addDevice(dev);
    return dev;
  }

  /** A fwspec naming {@code iommuNode} with {@code ids}, built the way the glue builds it. */
  protected IommuFwspec fwspec(Device dev, FwNode iommuNode, int... ids) throws IommuException {
    IommuFwspec f = core.allocFwspec();
    try {
      core.fwspecAssignIommu(f, dev, iommuNode);
    } catch (IommuException | RuntimeException e) {
      f.dealloc();
      throw e;
    }
    f.appendIds(ids);
    return f;
  }

  /**
   * A fwspec for {@code dev} that the driver accepts, built as the glue would: by default one
   * naming {@link #node} with {@link #acceptedIds()}; a driver that needs its own translation
   * (legacy {@code of_xlate} drivers keep state from it) builds it with {@link
   * IommuCore#fwspecOfXlate}.
   *
   * @param dev the device
   * @return the fwspec, still building
   * @throws IommuException if the core refuses it
   */
  protected IommuFwspec acceptedFwspec(Device dev) throws IommuException {
    return fwspec(dev, node, acceptedIds());
  }

  private long live() {
    return core.fwspecsAllocated() - core.fwspecsFreed();
  }

  private static IommuBinding bound(ProbeResult r) {
    assertThat(r).as("probe result").isInstanceOf(ProbeResult.Bound.class);
    return ((ProbeResult.Bound) r).binding();
  }

  @Test
  public void probeBindsADeviceWhoseFwspecNamesARegisteredInstance() throws IommuException {
    Device dev = addDevice("dev");
    IommuFwspec f = acceptedFwspec(dev);

    IommuBinding b = bound(core.probeDevice(dev, f));

    assertThat(b.instance()).isSameAs(instance);
    assertThat(b.ids().toArray()).containsExactly(acceptedIds());
    assertThat(dev.iommuBinding()).contains(b);
    assertThat(f.state()).isEqualTo(FwspecState.INSTALLED);
    assertThat(live()).isEqualTo(1);
  }

  @Test
  public void aSecondProbeOfABoundDeviceReportsTheSameBinding() throws IommuException {
    Device dev = addDevice("dev");
    IommuBinding b = bound(core.probeDevice(dev, acceptedFwspec(dev)));

    ProbeResult again = core.probeDevice(dev);

    assertThat(again).isInstanceOf(ProbeResult.AlreadyBound.class);
    assertThat(((ProbeResult.AlreadyBound) again).binding()).isEqualTo(b);
  }

  @Test
  public void releaseUnbindsTheDeviceAndFreesItsFwspec() throws IommuException {
    Device dev = addDevice("dev");
    IommuFwspec f = acceptedFwspec(dev);
    bound(core.probeDevice(dev, f));

    core.releaseDevice(dev);

    assertThat(dev.iommuBinding()).isEmpty();
    assertThat(core.group(dev)).isNull();
    assertThat(f.state()).isEqualTo(FwspecState.FREED);
    assertThat(live()).isZero();
  }

  @Test
  public void aReleasedDeviceProbesAgain() throws IommuException {
    Device dev = addDevice("dev");
    bound(core.probeDevice(dev, acceptedFwspec(dev)));
    core.releaseDevice(dev);

    IommuBinding again = bound(core.probeDevice(dev, acceptedFwspec(dev)));

    assertThat(again.instance()).isSameAs(instance);
    assertThat(live()).isEqualTo(1);
  }

  @Test
  public void unregisteringTheInstanceReleasesItsDevices() throws IommuException {
    Device a = addDevice("a");
    bound(core.probeDevice(a, acceptedFwspec(a)));

    core.unregisterInstance(instance);

    assertThat(a.iommuBinding()).isEmpty();
    assertThat(live()).isZero();
  }

  @Test
  public void theProbedDeviceIsAMemberOfItsGroup() throws IommuException {
    Device dev = addDevice("dev");
    bound(core.probeDevice(dev, acceptedFwspec(dev)));

    IommuGroup group = core.group(dev);

    assertThat(group).isNotNull();
    assertThat(java.util.Objects.requireNonNull(group).members()).contains(dev);
  }

  /**
   * Runs {@code ops.probeDevice} from inside another driver's probe, where the probe lock is held
   * and {@code dev}'s fwspec (if any) is the other driver's, and returns what it threw.
   */
  private @Nullable Throwable probeFromInsideForeignProbe(Device dev, boolean withFwspec)
      throws IommuException {
    StandInDriver foreign = StandInDriver.create("foreign");
    FwNode foreignNode = FwNode.create("/foreign@2000");
    IommuInstance foreignInstance =
        withFwspec ? foreign.newInstance(foreignNode) : foreign.newInstance("bus", null);
    List<Throwable> thrown = new ArrayList<>();
    foreign.probeHook =
        ctx -> {
          try {
            var unused = ops.probeDevice(ctx);
          } catch (IommuException | RuntimeException e) {
            thrown.add(e);
          }
        };
    core.registerInstance(foreignInstance);
    ProbeResult r =
        withFwspec ? core.probeDevice(dev, fwspec(dev, foreignNode, 0x99)) : core.probeDevice(dev);
    assertThat(foreign.probed).as("the foreign driver probed %s (%s)", dev, r).contains(dev);
    return thrown.isEmpty() ? null : thrown.get(0);
  }

  @Test
  public void aDeviceWhoseFwspecIsAnotherDriversIsRefusedWithEnodev() throws IommuException {
    Device dev = addDevice("dev");

    Throwable thrown = probeFromInsideForeignProbe(dev, true);

    assertThat(thrown)
        .isInstanceOfSatisfying(
            IommuException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENODEV));
  }

  @Test
  public void aDeviceWithoutFwspecIsRefusedWithEnodev() throws IommuException {
    Device dev = addDevice("dev");

    Throwable thrown = probeFromInsideForeignProbe(dev, false);

    assertThat(thrown)
        .isInstanceOfSatisfying(
            IommuException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENODEV));
  }

  @Test
  public void probeDeviceWithAContextKeptPastItsCallbackFailsFast() throws IommuException {
    Device dev = addDevice("dev");
    StandInDriver foreign = StandInDriver.create("foreign");
    FwNode foreignNode = FwNode.create("/foreign@2000");
    List<ProbeContext> kept = new ArrayList<>();
    foreign.probeHook = kept::add;
    core.registerInstance(foreign.newInstance(foreignNode));
    bound(core.probeDevice(dev, fwspec(dev, foreignNode, 0x99)));

    // The lock is free now and another probe could be changing the slot: the driver must not read.
    assertThatThrownBy(() -> ops.probeDevice(kept.get(0)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("after its driver callback returned");
    assertThat(dev.iommuBinding().orElseThrow().instance().ops()).isSameAs(foreign);
  }

  @Test
  public void deviceTreeSpecifiersTranslateWhereSupportedElseEnodev() throws IommuException {
    Device dev = addDevice("dev");
    IommuFwspec f = core.allocFwspec();
    boolean translates =
        ops instanceof IommuOps.OfXlateFwspec || ops instanceof IommuOps.LegacyOfXlate;
    try {
      core.fwspecOfXlate(f, dev, node, specifier());
      assertThat(translates).as("%s translated without an of_xlate", ops.name()).isTrue();
    } catch (IommuException e) {
      f.dealloc();
      assertThat(translates).as("%s failed to translate: %s", ops.name(), e).isFalse();
      assertThat(e.errno()).isEqualTo(Errno.ENODEV);
      return;
    }
    IommuBinding b = bound(core.probeDevice(dev, f));
    assertThat(b.ids().toArray()).containsExactly(idsOfSpecifier());
  }
}
