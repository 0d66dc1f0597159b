package dev.iommufw.core.lincheck;

import com.google.common.primitives.ImmutableIntArray;
import dev.iommufw.core.BusKind;
import dev.iommufw.core.Device;
import dev.iommufw.core.DmaConfigureResult;
import dev.iommufw.core.FwNode;
import dev.iommufw.core.IommuBinding;
import dev.iommufw.core.IommuCore;
import dev.iommufw.core.IommuException;
import dev.iommufw.core.IommuFwspec;
import dev.iommufw.core.IommuInstance;
import dev.iommufw.core.testing.StandInDriver;
import org.jetbrains.lincheck.datastructures.Operation;
import org.junit.jupiter.api.Test;

/**
 * The probe race scenario (kernel-model.md §5.1, §5.2) on the redesigned {@link IommuCore},
 * against the sequential {@link RaceSpec}, in both Lincheck modes: D is described as {@code
 * iommus = <&S 1>, <&S 2>}; D's driver probe ({@code dmaConfigure} with a glue that builds the
 * fwspec off the device and hands it over) races S's registration (which retries deferred
 * devices) and readers of D's state. {@link PreRedesignLincheckTest} runs the same check on the
 * pre-redesign model, which must fail it.
 */
public class RaceLincheckTest {
  private final IommuCore core = new IommuCore();
  private final StandInDriver driver = StandInDriver.create("smmu");
  private final FwNode sNode = FwNode.create("S");
  private final IommuInstance s = driver.newInstance("S", sNode);
  private final Device d;

  /** A fresh boot: S not registered, D added but unprobed. */
  public RaceLincheckTest() {
    driver.recording = false;
    d = Device.builder("D", BusKind.PLATFORM).dmaConfigure(this::glue).build();
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
   * D's state; also checks that no fwspec leaked (a leak is a state no serial order has).
   *
   * @return {@code ok [ids]}, {@code unbound}, or what leaked
   */
  @Operation
  public String state() {
    IommuBinding b = d.iommuBinding().orElse(null);
    long live = core.fwspecsAllocated() - core.fwspecsFreed();
    if (b == null) {
      return "unbound";
    }
    return live <= 1 ? "ok " + b.ids() : live + " fwspecs live for one bound device";
  }

  @Test
  void modelChecking() {
    LincheckRuns.modelChecking(5, 200)
        .actorsBefore(0)
        .sequentialSpecification(RaceSpec.class)
        .check(getClass());
  }

  @Test
  void stress() {
    LincheckRuns.stress(5, 2_000)
        .actorsBefore(0)
        .sequentialSpecification(RaceSpec.class)
        .check(getClass());
  }

}
