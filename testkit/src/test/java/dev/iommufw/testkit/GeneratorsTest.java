package dev.iommufw.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;

import dev.iommufw.core.BusKind;
import dev.iommufw.core.Device;
import dev.iommufw.core.FwspecState;
import dev.iommufw.core.IommuBinding;
import dev.iommufw.core.IommuCore;
import dev.iommufw.core.IommuFwspec;
import dev.iommufw.core.IommuException;
import dev.iommufw.core.IommuInstance;
import dev.iommufw.core.ProbeResult;
import dev.iommufw.core.testing.Tries;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The small generators produce what their Javadoc promises, through QuickTheories. */
class GeneratorsTest {
  @Test
  void everyGeneratedFwspecIsFormedAsPromisedAndBindsToItsPermissiveInstance() {
    Set<String> drivers = new TreeSet<>();
    Set<Boolean> ats = new TreeSet<>();
    int examples = Tries.scaled(200);
    qt().withExamples(examples)
        .forAll(TestkitGens.of(r -> r))
        .checkAssert(r -> {
          IommuCore core = new IommuCore();
          IommuInstance instance = Generators.instance(r, "iommu0");
          try {
            core.registerInstance(instance);
            Device dev = Device.builder("dev", BusKind.PLATFORM).build();
            core.addDevice(dev);
            IommuFwspec fwspec = Generators.fwspec(r, core, dev, instance);
            // formed as documented: building, naming the instance, 1-4 IDs below 2^16
            assertThat(fwspec.state()).isEqualTo(FwspecState.BUILDING);
            assertThat(fwspec.iommuFwnode()).isSameAs(instance.fwnode());
            assertThat(fwspec.ops()).isSameAs(instance.ops());
            int[] ids = fwspec.ids();
            assertThat(ids.length).isBetween(1, 4);
            assertThat(ids).allSatisfy(id -> assertThat(id).isBetween(0, 0xffff));
            assertThat(fwspec.flags()).isIn(0, IommuFwspec.FLAG_PCI_RC_ATS);
            drivers.add(instance.ops().name());
            ats.add(fwspec.flags() != 0);

            ProbeResult result = core.probeDevice(dev, fwspec);

            // the generated instances are permissive: every generated fwspec binds, whole
            assertThat(result).as("probe of %s", Arrays.toString(ids))
                .isInstanceOf(ProbeResult.Bound.class);
            IommuBinding b = ((ProbeResult.Bound) result).binding();
            assertThat(b.instance()).isSameAs(instance);
            assertThat(b.ids().toArray()).isEqualTo(ids);
            assertThat(dev.iommuBinding()).contains(b);
            assertThat(fwspec.state()).isEqualTo(FwspecState.INSTALLED);
            assertThat(core.fwspecsAllocated() - core.fwspecsFreed()).isEqualTo(1);
          } catch (IommuException e) {
            throw new AssertionError(e);
          }
        });
    // every kind of generated instance and both flag values came up (missed by chance < 1e-3
    // from 20 examples on; fewer are a smoke run)
    if (examples < 20) {
      return;
    }
    assertThat(drivers).containsExactlyInAnyOrder("arm-smmu", "arm-smmu-v3", "virtio-iommu");
    assertThat(ats).containsExactly(false, true);
  }

  @Test
  void idsAreWithinTheirCountAndBound() {
    qt().withExamples(Tries.scaled(200))
        .forAll(TestkitGens.of(r -> Generators.ids(r, 5, 7)))
        .checkAssert(ids -> {
          assertThat(ids.length()).isBetween(1, 5);
          assertThat(ids.toArray()).allSatisfy(id -> assertThat(id).isBetween(0, 6));
        });
  }

  @Test
  void pciFunctionsAreDistinctAndSorted() {
    qt().withExamples(Tries.scaled(200))
        .forAll(TestkitGens.of(r -> Generators.pciFunctions(r, 20)))
        .checkAssert(l -> {
          assertThat(l).isSorted().doesNotHaveDuplicates().hasSizeLessThanOrEqualTo(20);
          assertThat(l).allSatisfy(b -> {
            assertThat(b.segment()).isBetween(0, 1);
            assertThat(b.bus()).isBetween(0, 0xff);
            assertThat(b.devfn()).isBetween(0, 0xff);
          });
        });
  }
}
