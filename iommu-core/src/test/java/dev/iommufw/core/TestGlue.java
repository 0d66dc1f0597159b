package dev.iommufw.core;

import com.google.common.collect.ImmutableList;
import com.google.common.primitives.ImmutableIntArray;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A minimal firmware glue for tests: the redesigned {@code of_iommu_configure()} (kernel-model.md
 * §2.21, [S] flow). It allocates a fwspec, translates every described entry into it off the device
 * with {@link IommuCore#fwspecOfXlate}, and hands it to {@link IommuCore#probeDevice(Device,
 * IommuFwspec)}; try-with-resources frees it on every path that does not hand it off.
 */
final class TestGlue implements DmaConfigure {
  /** One entry of the device tree property: the IOMMU node and the specifier cells. */
  record Entry(FwNode iommu, ImmutableIntArray cells) {
    static Entry of(FwNode iommu, int... cells) {
      return new Entry(iommu, ImmutableIntArray.copyOf(cells));
    }
  }

  private final ImmutableList<Entry> entries;
  final AtomicInteger calls = new AtomicInteger();

  TestGlue(ImmutableList<Entry> entries) {
    this.entries = entries;
  }

  static TestGlue of(Entry... entries) {
    return new TestGlue(ImmutableList.copyOf(entries));
  }

  /** A platform device described by {@code entries}, with this glue as its configure step. */
  static Device device(String name, Entry... entries) {
    return Device.builder(name, BusKind.PLATFORM).dmaConfigureStep(of(entries)).build();
  }

  /** The glue of a device made by {@link #device}. */
  static TestGlue of(Device dev) {
    return (TestGlue) Objects.requireNonNull(dev.dmaConfigureStep());
  }

  /** How many times the configure step of a device made by {@link #device} ran. */
  static int calls(Device dev) {
    return of(dev).calls.get();
  }

  @Override
  public DmaConfigureResult configure(IommuCore core, Device dev) {
    calls.incrementAndGet();
    if (entries.isEmpty()) {
      return new DmaConfigureResult.NoIommu("no iommus property");
    }
    try (IommuFwspec fwspec = core.allocFwspec()) {
      for (Entry e : entries) {
        core.fwspecOfXlate(fwspec, dev, e.iommu(), e.cells());
      }
      ProbeResult r = core.probeDevice(dev, fwspec); // ownership passes here
      return toConfigureResult(r, entries.get(0).iommu());
    } catch (IommuException e) {
      return fromException(e);
    }
  }

  static DmaConfigureResult toConfigureResult(ProbeResult r, FwNode firstIommu) {
    if (r instanceof ProbeResult.Bound b) {
      return new DmaConfigureResult.Configured(b.binding());
    } else if (r instanceof ProbeResult.AlreadyBound a) {
      return new DmaConfigureResult.Configured(a.binding());
    } else if (r instanceof ProbeResult.NoIommu n) {
      return new DmaConfigureResult.NoIommu(n.reason());
    }
    ProbeResult.Failed f = (ProbeResult.Failed) r;
    if (f.error() == Errno.EPROBE_DEFER) {
      // A driver's probe_device asked to retry later (arm-smmu does): the client defers.
      return new DmaConfigureResult.Deferred(firstIommu);
    }
    return new DmaConfigureResult.Failed(f.error(), f.reason(), f.ids());
  }

  static DmaConfigureResult fromException(IommuException e) {
    FwNode waitingFor = e.waitingFor();
    if (e.errno() == Errno.EPROBE_DEFER && waitingFor != null) {
      return new DmaConfigureResult.Deferred(waitingFor);
    }
    if (e.errno() == Errno.ENODEV) {
      return new DmaConfigureResult.NoIommu(String.valueOf(e.getMessage()));
    }
    return new DmaConfigureResult.Failed(
        e.errno(), String.valueOf(e.getMessage()), ImmutableIntArray.of());
  }
}
