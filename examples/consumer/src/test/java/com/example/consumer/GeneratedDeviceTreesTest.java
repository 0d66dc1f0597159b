package com.example.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;

import dev.iommufw.core.Device;
import dev.iommufw.core.IommuCore;
import dev.iommufw.of.Fdt;
import dev.iommufw.of.OfIommu;
import dev.iommufw.testkit.Generators;
import dev.iommufw.testkit.TestkitGens;
import org.junit.jupiter.api.Test;

/** A downstream property test built on the testkit's generators. */
class GeneratedDeviceTreesTest {
  @Test
  void configuringEveryDeviceOfAnyTreeLeaksNoFwspec() {
    qt().withExamples(200)
        .forAll(TestkitGens.of(Generators::deviceTree))
        .checkAssert(
            dtb -> { // prints as DTS-like source when the property fails
              try {
                IommuCore core = new IommuCore();
                OfIommu dt = OfIommu.of(Fdt.parse(dtb.bytes()));
                for (Device dev : dt.platformDevices()) {
                  core.addDevice(dev);
                  core.dmaConfigure(dev); // no IOMMU registered: none or deferred, never bound
                }
                assertEquals(core.fwspecsAllocated(), core.fwspecsFreed());
              } catch (Exception e) {
                throw new AssertionError(e);
              }
            });
  }
}
