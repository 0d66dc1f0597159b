package dev.iommufw.core.lincheck;

import com.google.common.primitives.ImmutableIntArray;
import dev.iommufw.core.BusKind;
import dev.iommufw.core.Device;
import dev.iommufw.core.DmaConfigureResult;
import dev.iommufw.core.FwNode;
import dev.iommufw.core.IommuCore;
import dev.iommufw.core.IommuException;
import dev.iommufw.core.IommuFwspec;
import dev.iommufw.core.IommuInstance;
import dev.iommufw.core.ProbeFlow;
import dev.iommufw.core.testing.StandInDriver;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Test;

/**
 * The probe race scenario on a redesigned {@link IommuCore}, in both Lincheck modes, against the
 * sequential specification of the core's probe flow: D is described as {@code iommus = <&S 1>, <&S
 * 2>}; D's driver probe ({@code dmaConfigure} with a glue that builds the fwspec off the device and
 * hands it over) races S's registration (which retries deferred devices) and readers of D's state.
 * {@link RaceLincheckTest} runs it on the off-device hand-over flow, {@link
 * FirmwareInProbeRaceLincheckTest} on the Linux 6.15+ flow (the kernel's other answer to the same
 * race), and {@link PreRedesignLincheckTest} runs the same check on the pre-redesign model, which
 * must fail it.
 */
public abstract class RaceLincheckScenario {
  private final IommuCore core;
  private final StandInDriver driver = StandInDriver.create("smmu");
  private final FwNode sNode = FwNode.create("S");
  private final IommuInstance s = driver.newInstance("S", sNode);
  private final Device d;

  /**
   * A fresh boot in the given flow: S not registered, D added (in the 6.15+ flow, adding D already
   * ran its configuration once, which found S missing).
   *
   * @param flow the core's probe flow
   */
  protected RaceLincheckScenario(ProbeFlow flow) {
    core = new IommuCore(flow);
    driver.recording = false;
    d = Device.builder("D", BusKind.PLATFORM).dmaConfigureStep(this::glue).build();
    core.addDevice(d);
  }

  /** The OF glue for {@code <&S 1>, <&S 2>}: one translation per entry, then the hand-off. */
  private DmaConfigureResult glue(IommuCore c, Device dev) {
    try (IommuFwspec f = c.allocFwspec()) {
      c.fwspecOfXlate(f, dev, sNode, ImmutableIntArray.of(1));
      c.fwspecOfXlate(f, dev, sNode, ImmutableIntArray.of(2));
      return DmaConfigureResult.fromProbe(c.probeDevice(dev, f), sNode);
    } catch (IommuException e) {
      FwNode waiting = e.waitingFor();
      return waiting != null
          ? new DmaConfigureResult.Deferred(waiting)
          : new DmaConfigureResult.Failed(e.errno(), "glue", ImmutableIntArray.of());
    }
  }

  /**
   * D's driver probes.
   *
   * @return {@code done}, or the failure
   */
  @Operation(nonParallelGroup = "configure")
  public String configure() {
    return LincheckRuns.run(() -> core.dmaConfigure(d));
  }

  /**
   * S registers.
   *
   * @return {@code done}, or the failure
   */
  @Operation(nonParallelGroup = "register")
  public String register() {
    return LincheckRuns.runChecked(
        () -> {
          if (!s.isRegisteredIn(core)) {
            core.registerInstance(s);
          }
        });
  }

  /**
   * D's state.
   *
   * @return {@code ok [ids]} or {@code unbound}
   */
  @Operation
  public String state() {
    return d.iommuBinding().map(b -> "ok " + b.ids()).orElse("unbound");
  }

  /**
   * After every execution, when no operation runs: exactly one fwspec is live if D is bound (the
   * installed one) and none if it is not — a fwspec built by a configuration that lost the race was
   * freed, never leaked nor installed twice. (Counted at quiescence because the glue's transient
   * fwspec is rightly live while it builds; the counters are not read atomically.)
   */
  @Validate
  public void noFwspecLeaked() {
    long live = core.fwspecsAllocated() - core.fwspecsFreed();
    long expected = d.iommuBinding().isPresent() ? 1 : 0;
    if (live != expected) {
      throw new AssertionError(live + " fwspecs live, " + expected + " expected");
    }
  }

  /**
   * The sequential specification the flow must be linearizable against.
   *
   * @return the specification class
   */
  abstract Class<?> specification();

  @Test
  void modelChecking() {
    LincheckRuns.modelChecking(5, 200)
        .actorsBefore(0)
        .sequentialSpecification(specification())
        .check(getClass());
  }

  @Test
  void stress() {
    LincheckRuns.stress(5, 2_000)
        .actorsBefore(0)
        .sequentialSpecification(specification())
        .check(getClass());
  }
}
