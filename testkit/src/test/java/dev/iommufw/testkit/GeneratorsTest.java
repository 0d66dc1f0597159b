package dev.iommufw.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;

import dev.iommufw.core.BusKind;
import dev.iommufw.core.Device;
import dev.iommufw.core.FwspecState;
import dev.iommufw.core.IommuCore;
import dev.iommufw.core.IommuFwspec;
import dev.iommufw.core.IommuInstance;
import dev.iommufw.core.ProbeResult;
import dev.iommufw.core.testing.Tries;
import org.junit.jupiter.api.Test;

/** The small generators produce what they promise, through QuickTheories. */
class GeneratorsTest {
  @Test
  void fwspecsForGeneratedInstancesInstallWithTheirIds() {
    qt().withExamples(Tries.scaled(200))
        .forAll(TestkitGens.of(r -> r))
        .checkAssert(r -> {
          IommuCore core = new IommuCore();
          IommuInstance instance = Generators.instance(r, "iommu0");
          try {
            core.registerInstance(instance);
            Device dev = Device.builder("dev", BusKind.PLATFORM).build();
            core.addDevice(dev);
            IommuFwspec fwspec = Generators.fwspec(r, core, dev, instance);
            assertThat(fwspec.state()).isEqualTo(FwspecState.BUILDING);
            int[] ids = fwspec.ids();
            ProbeResult result = core.probeDevice(dev, fwspec);
            if (result instanceof ProbeResult.Bound) {
              assertThat(dev.iommuBinding().orElseThrow().ids().toArray()).isEqualTo(ids);
            }
            assertThat(core.fwspecsAllocated() - core.fwspecsFreed())
                .isEqualTo(dev.iommuBinding().isPresent() ? 1 : 0);
          } catch (dev.iommufw.core.IommuException e) {
            throw new AssertionError(e);
          }
        });
  }

  @Test
  void pciFunctionsAreDistinctAndSorted() {
    qt().withExamples(Tries.scaled(200))
        .forAll(TestkitGens.of(r -> Generators.pciFunctions(r, 20)))
        .checkAssert(l -> assertThat(l).isSorted().doesNotHaveDuplicates());
  }
}
