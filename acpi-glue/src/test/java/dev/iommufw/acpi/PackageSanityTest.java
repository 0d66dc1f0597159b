package dev.iommufw.acpi;

import com.google.common.primitives.ImmutableIntArray;
import com.google.common.testing.AbstractPackageSanityTests;
import dev.iommufw.core.BusKind;
import dev.iommufw.core.Device;
import dev.iommufw.core.IommuCore;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Guava's package sanity checks over every public class of {@code dev.iommufw.acpi}: nulls are
 * rejected up front with a {@link NullPointerException}, and value types obey {@code equals}.
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
    Sanity() throws Exception {
      publicApiOnly();
      IortBuilder b = new IortBuilder();
      int its = b.addItsGroup(1, List.of(0L));
      b.addRootComplex(4, 0, 0, List.of(IortBuilder.Mapping.to(0, 0x10000, 0, its)));
      byte[] table = b.build();
      Iort iort = Iort.parse(table);
      ViotBuilder v = new ViotBuilder();
      int viommu = v.addVirtioPciIommu(0, 0x08);
      v.addPciRange(0x10, 0, 0, 0xffff, viommu);
      Viot viot = Viot.parse(v.build());
      IommuCore core = new IommuCore();
      Device device = Device.builder("sanity", BusKind.PLATFORM).build();
      core.addDevice(device);
      setDefault(byte[].class, table);
      setDefault(Iort.class, iort);
      setDefault(Viot.class, viot);
      setDefault(IortNode.class, iort.nodes().get(0));
      setDefault(AcpiIommu.class, AcpiIommu.of(iort, viot));
      setDefault(IommuCore.class, core);
      setDefault(Device.class, device);
      setDefault(ImmutableIntArray.class, ImmutableIntArray.of(0x10));
    }
  }
}
