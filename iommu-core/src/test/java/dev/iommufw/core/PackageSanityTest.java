package dev.iommufw.core;

import com.google.common.primitives.ImmutableIntArray;
import com.google.common.testing.AbstractPackageSanityTests;
import dev.iommufw.core.pci.Bdf;
import dev.iommufw.core.pci.PciFunction;
import dev.iommufw.core.testing.StandInDriver;
import org.junit.jupiter.api.Test;

/**
 * Guava's package sanity checks over every public class of {@code dev.iommufw.core}: every public
 * constructor, static and instance method rejects a null for a parameter not marked
 * {@code @Nullable} with a {@link NullPointerException} (fail fast, before any other check or side
 * effect), and value types obey {@code equals}/{@code hashCode}.
 */
class PackageSanityTest {
  @Test
  void publicMethodsRejectNullsUpFront() throws Exception {
    new Sanity().testNulls();
  }

  @Test
  void valueTypesObeyEquals() throws Exception {
    new Sanity().testEquals();
  }

  @Test
  void serializableTypesSerialize() throws Exception {
    new Sanity().testSerializable();
  }

  /** The JUnit 4 checks, run from JUnit 5 (the build has no vintage engine). */
  static final class Sanity extends AbstractPackageSanityTests {
    Sanity() {
      publicApiOnly();
      // A ProbeContext exists only inside a driver callback: ProbeContextTest.testNulls runs the
      // same null checks there.
      ignoreClasses(c -> c == ProbeContext.class);
      IommuCore core = new IommuCore();
      Device dev = Device.builder("sanity", BusKind.PLATFORM).build();
      core.addDevice(dev);
      FwNode node = FwNode.create("sanity-iommu");
      IommuOps ops = StandInDriver.create("sanity");
      setDefault(IommuCore.class, core);
      setDefault(Device.class, dev);
      setDefault(FwNode.class, node);
      setDefault(IommuOps.class, ops);
      IommuInstance instance = new IommuInstance("sanity", node, ops);
      setDefault(IommuInstance.class, instance);
      setDistinctValues(
          IommuInstance.class,
          instance,
          new IommuInstance("other", null, StandInDriver.create("b")));
      setDefault(IommuFwspec.class, core.allocFwspec());
      setDefault(IommuGroup.class, core.newGroup());
      setDefault(ImmutableIntArray.class, ImmutableIntArray.of(0x10));
      setDistinctValues(
          ImmutableIntArray.class, ImmutableIntArray.of(0x10), ImmutableIntArray.of(0x18));
      setDefault(PciFunction.class, PciFunction.of(Bdf.parse("0000:00:02.0")));
      setDefault(DmaConfigure.class, (c, d) -> new DmaConfigureResult.NoIommu("sanity"));
      setDefault(Errno.class, Errno.EINVAL);
      // sealed interfaces cannot be proxied: give the testers a real value
      setDefault(ProbeFlow.class, ProbeFlow.offDeviceHandover());
      setDistinctValues(FwNode.class, node, FwNode.create("other"));
      setDistinctValues(IommuGroup.class, core.newGroup(), core.newGroup());
    }
  }
}
