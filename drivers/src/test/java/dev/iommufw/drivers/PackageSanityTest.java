package dev.iommufw.drivers;

import com.google.common.primitives.ImmutableIntArray;
import com.google.common.testing.AbstractPackageSanityTests;
import dev.iommufw.acpi.AcpiIommu;
import dev.iommufw.core.BusKind;
import dev.iommufw.core.Device;
import dev.iommufw.core.FwNode;
import dev.iommufw.core.IommuCore;
import dev.iommufw.core.IommuFwspec;
import dev.iommufw.of.Fdt;
import dev.iommufw.of.FdtBuilder;
import dev.iommufw.of.FdtFormatException;
import dev.iommufw.of.OfIommu;
import org.junit.jupiter.api.Test;

/**
 * Guava's package sanity checks over every public class of {@code dev.iommufw.drivers}: nulls are
 * rejected up front with a {@link NullPointerException}.
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
    Sanity() throws FdtFormatException {
      publicApiOnly();
      setDefault(OfIommu.class, OfIommu.of(Fdt.parse(new FdtBuilder().build())));
      setDefault(AcpiIommu.class, AcpiIommu.of(null, null));
      IommuCore core = new IommuCore();
      Device device = Device.builder("sanity", BusKind.PLATFORM).build();
      core.addDevice(device);
      setDefault(IommuCore.class, core);
      setDefault(IommuFwspec.class, core.allocFwspec());
      setDefault(Device.class, device);
      setDefault(FwNode.class, FwNode.create("sanity"));
      setDefault(ImmutableIntArray.class, ImmutableIntArray.of(0x10));
      setDistinctValues(
          ImmutableIntArray.class, ImmutableIntArray.of(0x10), ImmutableIntArray.of(0x18));
    }
  }
}
