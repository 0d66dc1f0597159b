package dev.iommufw.examples.race;

import dev.iommufw.core.BusKind;
import dev.iommufw.core.Device;
import dev.iommufw.core.DmaConfigureResult;
import dev.iommufw.core.Errno;
import dev.iommufw.core.FwNode;
import dev.iommufw.core.IommuBinding;
import dev.iommufw.core.IommuCore;
import dev.iommufw.core.IommuException;
import dev.iommufw.core.IommuFwspec;
import dev.iommufw.core.IommuInstance;
import dev.iommufw.core.IommuOps;
import dev.iommufw.core.ProbeFlow;
import dev.iommufw.core.ProbeResult;
import java.util.Objects;

/**
 * The race scenario directly on {@link IommuCore}, for Lincheck: a minimal glue that does what
 * the OF glue does for {@code iommus = <&S 1>, <&S 2>} (allocate a fwspec, record S through the
 * core, append the IDs, hand it to {@link IommuCore#probeDevice(Device, IommuFwspec)}), and a
 * minimal driver that accepts a fwspec naming S. No identity-keyed state is built before the
 * checked execution (Lincheck makes identity hash codes deterministic inside it), and the model
 * is small enough to enumerate.
 */
final class CoreRaceModel implements RaceModel {
  private final IommuCore core;
  private final FwNode sNode = FwNode.create("S");
  private final IommuInstance s;
  private final Device d;

  CoreRaceModel() {
    this(ProbeFlow.offDeviceHandover());
  }

  /** The scenario on a core with the given flow; D is added before anything runs. */
  CoreRaceModel(ProbeFlow flow) {
    core = new IommuCore(flow);
    IommuOps ops = new IommuOps() {
      @Override
      public String name() {
        return "test-smmu";
      }

      @Override
      public IommuInstance probeDevice(IommuCore c, Device dev) throws IommuException {
        IommuFwspec f = c.fwspec(dev);
        if (f == null || f.iommuFwNode() != sNode) {
          throw new IommuException(Errno.ENODEV, dev.name() + " is not S's");
        }
        return Objects.requireNonNull(s);
      }
    };
    s = new IommuInstance("S", sNode, ops);
    d = Device.builder("D", BusKind.PLATFORM).dmaConfigureStep(this::glue).build();
    core.addDevice(d);
  }

  private DmaConfigureResult glue(IommuCore c, Device dev) {
    IommuFwspec f = c.allocFwspec();
    try {
      c.fwspecAssignIommu(f, dev, sNode);
      f.appendIds(1);
      c.fwspecAssignIommu(f, dev, sNode);
      f.appendIds(2);
    } catch (IommuException e) {
      f.dealloc();
      FwNode waiting = e.waitingFor();
      return waiting != null
          ? new DmaConfigureResult.Deferred(waiting)
          : new DmaConfigureResult.NoIommu(String.valueOf(e.getMessage()));
    }
    ProbeResult r = c.probeDevice(dev, f);
    return DmaConfigureResult.fromProbe(r, sNode);
  }

  @Override
  public void configure() {
    core.dmaConfigure(d);
  }

  @Override
  public void register() {
    try {
      if (!s.isRegisteredIn(core)) {
        core.registerInstance(s);
      }
    } catch (IommuException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public String state() {
    IommuBinding b = d.iommuBinding().orElse(null);
    return b != null ? "ok " + b.ids() : "unbound";
  }

  @Override
  public String leaks() {
    long live = core.fwspecsAllocated() - core.fwspecsFreed();
    long bound = d.iommuBinding().isPresent() ? 1 : 0;
    return live == bound ? "" : live + " fwspecs live, " + bound + " bound";
  }
}
