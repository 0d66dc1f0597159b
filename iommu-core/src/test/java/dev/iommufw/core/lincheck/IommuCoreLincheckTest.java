package dev.iommufw.core.lincheck;

import com.google.common.collect.ImmutableList;
import com.google.common.primitives.ImmutableIntArray;
import dev.iommufw.core.BusKind;
import dev.iommufw.core.DeferralPolicy;
import dev.iommufw.core.Device;
import dev.iommufw.core.DmaConfigureResult;
import dev.iommufw.core.Errno;
import dev.iommufw.core.FwNode;
import dev.iommufw.core.IommuBinding;
import dev.iommufw.core.IommuCore;
import dev.iommufw.core.IommuException;
import dev.iommufw.core.IommuFwspec;
import dev.iommufw.core.IommuGroup;
import dev.iommufw.core.IommuInstance;
import dev.iommufw.core.ProbeContext;
import dev.iommufw.core.ProbeResult;
import dev.iommufw.core.pci.Bdf;
import dev.iommufw.core.pci.PciFunction;
import dev.iommufw.core.pci.PciTopology;
import dev.iommufw.core.testing.StandInDriver;
import java.util.List;
import java.util.stream.Collectors;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.junit.jupiter.api.Test;

/**
 * Linearizability of every public operation of {@link IommuCore} that its class Javadoc claims
 * linearizable, by Lincheck in both modes: model checking (it enumerates thread switches at the
 * core's shared-memory accesses, locks and monitors) and stress (real threads). The sequential
 * specification is the core itself run serially: each concurrent history must be explained by some
 * serial order of the same operations.
 *
 * <p>The system: IOMMU S (a {@link StandInDriver} with the lock-free {@code of_xlate_fwspec}) and
 * IOMMU L (a legacy {@code of_xlate} stand-in, which translates under the probe lock through the
 * device's slot, calling {@link ProbeContext#fwspec}, {@link ProbeContext#priv}, {@link
 * ProbeContext#setPriv} and {@link ProbeContext#addIds}); device D0 described as {@code iommus =
 * <&S 1 2>}, PCI device D1 (00:01.0) as {@code <&L 3>}, both added; D2 (00:02.0) described as
 * {@code <&S 4>}, not added at the start. Inside {@code probe_device} the drivers also exercise
 * {@link ProbeContext#pciDeviceGroup} for PCI devices, {@link ProbeContext#genericDeviceGroup} for
 * the others, and {@link IommuCore#assertProbeLockHeld}.
 *
 * <p>Operations whose results are not claimed linearizable ({@link IommuCore#fwspecsAllocated} and
 * {@link IommuCore#fwspecsFreed}, statistics counters) still run concurrently here, with their
 * results ignored, so that a crash or deadlock in them is caught.
 */
@Param(name = "dev", gen = IntGen.class, conf = "0:2")
@Param(name = "iommu", gen = IntGen.class, conf = "0:1")
public class IommuCoreLincheckTest {
  private static final Bdf D1_BDF = Bdf.ofRequesterId(0, 0x08);
  private static final Bdf D2_BDF = Bdf.ofRequesterId(0, 0x10);

  private final IommuCore core =
      IommuCore.builder().pciTopology(PciTopology.builder().build()).build();
  private final StandInDriver smmu = StandInDriver.create("smmu");
  private final StandInDriver legacy = StandInDriver.legacy("dart");
  private final FwNode sNode = FwNode.create("S");
  private final FwNode lNode = FwNode.create("L");
  private final IommuInstance s = smmu.newInstance("S", sNode);
  private final IommuInstance l = legacy.newInstance("L", lNode);
  private final ImmutableList<Device> devs;
  private boolean started;

  /** A fresh system: S and L not registered; D0 and D1 added, unprobed; D2 not added. */
  public IommuCoreLincheckTest() {
    smmu.recording = false;
    legacy.recording = false;
    StandInDriver.ProbeHook hook =
        ctx -> {
          core.assertProbeLockHeld();
          var unused = ctx.device().pci() != null ? ctx.pciDeviceGroup() : ctx.genericDeviceGroup();
        };
    smmu.probeHook = hook;
    legacy.probeHook = hook;
    Device d0 = device("D0", null, sNode, 1, 2);
    Device d1 = device("D1", PciFunction.of(new Bdf(0, 0, 0x08)), lNode, 3);
    Device d2 = device("D2", PciFunction.of(new Bdf(0, 0, 0x10)), sNode, 4);
    devs = ImmutableList.of(d0, d1, d2);
  }

  /**
   * Adds D0 and D1 on the first operation rather than in the constructor: the core keeps its
   * devices in hash sets, and Lincheck's model checker makes identity hash codes deterministic only
   * inside the checked execution, so a set filled by the constructor would miss its own members
   * there.
   */
  private void ensureStarted() {
    synchronized (devs) {
      if (!started) {
        started = true;
        core.addDevice(devs.get(0));
        core.addDevice(devs.get(1));
      }
    }
  }

  /** A device whose glue builds its fwspec off the device with {@code fwspecOfXlate}. */
  private static Device device(
      String name, @org.jspecify.annotations.Nullable PciFunction pci, FwNode iommu, int... ids) {
    Device.Builder b =
        Device.builder(name, pci == null ? BusKind.PLATFORM : BusKind.PCI)
            .dmaConfigureStep(
                (c, dev) -> {
                  try (IommuFwspec f = c.allocFwspec()) {
                    c.fwspecOfXlate(f, dev, iommu, ImmutableIntArray.copyOf(ids));
                    return DmaConfigureResult.fromProbe(c.probeDevice(dev, f), iommu);
                  } catch (IommuException e) {
                    FwNode waitingFor = e.waitingFor();
                    if (waitingFor != null) {
                      return new DmaConfigureResult.Deferred(waitingFor);
                    }
                    return e.errno() == Errno.ENODEV
                        ? new DmaConfigureResult.NoIommu(String.valueOf(e.getMessage()))
                        : new DmaConfigureResult.Failed(
                            e.errno(), String.valueOf(e.getMessage()), ImmutableIntArray.of());
                  }
                });
    if (pci != null) {
      b.pci(pci);
    }
    return b.build();
  }

  private Device dev(int i) {
    ensureStarted();
    return devs.get(i);
  }

  private IommuInstance instance(int i) {
    ensureStarted();
    return i == 0 ? s : l;
  }

  private static String names(List<Device> devices) {
    return devices.stream().map(Device::name).collect(Collectors.joining(",", "[", "]"));
  }

  private static String binding(IommuBinding b) {
    return b.instance().name() + b.ids();
  }

  private static String probe(ProbeResult r) {
    if (r instanceof ProbeResult.Bound b) {
      return "Bound " + binding(b.binding());
    } else if (r instanceof ProbeResult.AlreadyBound a) {
      return "AlreadyBound " + binding(a.binding());
    }
    return r.getClass().getSimpleName() + " " + r.errno();
  }

  private static String configure(DmaConfigureResult r) {
    if (r instanceof DmaConfigureResult.Configured c) {
      return "Configured " + binding(c.binding());
    } else if (r instanceof DmaConfigureResult.Deferred d) {
      return "Deferred " + d.waitingFor().description();
    }
    return r.getClass().getSimpleName() + " " + r.errno();
  }

  // ---- registry ------------------------------------------------------------------------------

  /**
   * {@link IommuCore#registerInstance}.
   *
   * @param i 0 for S, 1 for L
   * @return the outcome
   */
  @Operation
  public String registerInstance(@Param(name = "iommu") int i) {
    return LincheckRuns.runChecked(() -> core.registerInstance(instance(i)));
  }

  /**
   * {@link IommuCore#unregisterInstance}.
   *
   * @param i 0 for S, 1 for L
   * @return the outcome
   */
  @Operation
  public String unregisterInstance(@Param(name = "iommu") int i) {
    return LincheckRuns.run(() -> core.unregisterInstance(instance(i)));
  }

  /**
   * {@link IommuCore#instances}.
   *
   * @return their names
   */
  @Operation
  public String instances() {
    ensureStarted();
    return core.instances().stream().map(IommuInstance::name).toList().toString();
  }

  /**
   * {@link IommuCore#isRegistered}.
   *
   * @param i 0 for S's node, 1 for L's
   * @return whether registered
   */
  @Operation
  public boolean isRegistered(@Param(name = "iommu") int i) {
    ensureStarted();
    return core.isRegistered(i == 0 ? sNode : lNode);
  }

  // ---- devices -------------------------------------------------------------------------------

  /**
   * {@link IommuCore#addDevice}.
   *
   * @param i the device
   * @return the outcome
   */
  @Operation
  public String addDevice(@Param(name = "dev") int i) {
    try {
      core.addDevice(dev(i));
      return "added";
    } catch (RuntimeException e) {
      return e.getClass().getSimpleName();
    }
  }

  /**
   * {@link IommuCore#removeDevice}.
   *
   * @param i the device
   * @return the outcome
   */
  @Operation
  public String removeDevice(@Param(name = "dev") int i) {
    return LincheckRuns.run(() -> core.removeDevice(dev(i)));
  }

  /**
   * {@link IommuCore#devices}.
   *
   * @return their names
   */
  @Operation
  public String devices() {
    ensureStarted();
    return names(core.devices());
  }

  /**
   * {@link IommuCore#pciDevice}.
   *
   * @param i 1 for D1's address, else D2's
   * @return the device's name, or null
   */
  @Operation
  public String pciDevice(@Param(name = "iommu") int i) {
    ensureStarted();
    Device d = core.pciDevice(i == 1 ? D1_BDF : D2_BDF);
    return d == null ? "none" : d.name();
  }

  // ---- configuration and probing -------------------------------------------------------------

  /**
   * {@link IommuCore#dmaConfigure}: the glue builds the fwspec and hands it over.
   *
   * @param i the device
   * @return the outcome
   */
  @Operation
  public String dmaConfigure(@Param(name = "dev") int i) {
    try {
      return configure(core.dmaConfigure(dev(i)));
    } catch (RuntimeException e) {
      return e.getClass().getSimpleName();
    }
  }

  /**
   * {@link IommuCore#waitingDevices}.
   *
   * @return their names
   */
  @Operation
  public String waitingDevices() {
    ensureStarted();
    return names(core.waitingDevices());
  }

  /**
   * {@link IommuCore#probeDevice(Device)}: the bus walk's probe, with whatever is installed.
   *
   * @param i the device
   * @return the outcome
   */
  @Operation
  public String probeDevice(@Param(name = "dev") int i) {
    try {
      return probe(core.probeDevice(dev(i)));
    } catch (RuntimeException e) {
      return e.getClass().getSimpleName();
    }
  }

  /**
   * {@link IommuCore#allocFwspec}, {@link IommuCore#fwspecAssignIommu} and {@link
   * IommuCore#probeDevice(Device, IommuFwspec)}: a glue naming S with ID 9, by hand.
   *
   * @param i the device
   * @return the outcome
   */
  @Operation
  public String probeWithFwspec(@Param(name = "dev") int i) {
    Device d = dev(i);
    try (IommuFwspec f = core.allocFwspec()) {
      core.fwspecAssignIommu(f, d, sNode);
      f.appendIds(9);
      return probe(core.probeDevice(d, f));
    } catch (IommuException e) {
      return e.errno().name();
    } catch (RuntimeException e) {
      return e.getClass().getSimpleName();
    }
  }

  /**
   * {@link IommuCore#releaseDevice}.
   *
   * @param i the device
   * @return the outcome
   */
  @Operation
  public String releaseDevice(@Param(name = "dev") int i) {
    return LincheckRuns.run(() -> core.releaseDevice(dev(i)));
  }

  /**
   * The fwspec look-up a client makes: the device's binding (instance and IDs).
   *
   * @param i the device
   * @return the binding, or {@code none}
   */
  @Operation
  public String binding(@Param(name = "dev") int i) {
    return dev(i).iommuBinding().map(IommuCoreLincheckTest::binding).orElse("none");
  }

  /**
   * {@link IommuCore#group}: the members of the device's group.
   *
   * @param i the device
   * @return the members, or {@code none}
   */
  @Operation
  public String group(@Param(name = "dev") int i) {
    try {
      IommuGroup g = core.group(dev(i));
      return g == null ? "none" : names(g.members());
    } catch (RuntimeException e) {
      return e.getClass().getSimpleName();
    }
  }

  // ---- policy, topology, lock queries ---------------------------------------------------------

  /**
   * {@link IommuCore#setDeferralPolicy}: boot ends (0) or restarts (1).
   *
   * @param i 0 for {@link DeferralPolicy#TIMEOUT_EXPIRED}, 1 for {@link DeferralPolicy#BOOTING}
   * @return {@code done}
   */
  @Operation
  public String setDeferralPolicy(@Param(name = "iommu") int i) {
    ensureStarted();
    return LincheckRuns.run(
        () ->
            core.setDeferralPolicy(
                i == 0 ? DeferralPolicy.TIMEOUT_EXPIRED : DeferralPolicy.BOOTING));
  }

  /**
   * {@link IommuCore#deferralPolicy}.
   *
   * @return the policy
   */
  @Operation
  public DeferralPolicy deferralPolicy() {
    ensureStarted();
    return core.deferralPolicy();
  }

  /**
   * {@link IommuCore#holdsProbeLock} and {@link IommuCore#assertProbeLockHeld} from outside a
   * driver callback: not held, and the assertion fails.
   *
   * @return the two answers
   */
  @Operation
  public String probeLockOutsideCallbacks() {
    ensureStarted();
    return core.holdsProbeLock() + " " + LincheckRuns.run(core::assertProbeLockHeld);
  }

  /** Not claimed linearizable, exercised only: the statistics counters. */
  @Operation
  public void unclaimed() {
    long live = core.fwspecsAllocated() - core.fwspecsFreed();
    if (live < -1_000_000) {
      throw new AssertionError("impossible counter reading " + live);
    }
  }

  @Test
  void modelChecking() {
    LincheckRuns.modelChecking(6, 200).check(getClass());
  }

  @Test
  void stress() {
    LincheckRuns.stress(6, 500).check(getClass());
  }
}
