package dev.iommufw.acpi;

import com.google.common.primitives.ImmutableIntArray;
import com.google.common.testing.AbstractPackageSanityTests;
import com.google.common.testing.NullPointerTester;
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
    // Viot is only made by Viot.parse(byte[]), and the shared byte[] default is an IORT: its
    // methods are checked with a real VIOT below.
    new Sanity(Viot.class::equals).testNulls();
  }

  @Test
  void viotRejectsNullsUpFront() throws Exception {
    Sanity defaults = new Sanity();
    NullPointerTester tester = new NullPointerTester();
    tester.setDefault(ViotNode.Endpoint.class, defaults.endpoint);
    tester.testAllPublicStaticMethods(Viot.class);
    tester.testAllPublicInstanceMethods(defaults.viot);
  }

  @Test
  void valueTypesObeyEquals() throws Exception {
    // AcpiTableHeader and IortNodeHeader are only read from table bytes, which generated
    // arguments are not; their values are checked by IortParseTest and ViotTest.
    new Sanity(c -> c == AcpiTableHeader.class || c == IortNodeHeader.class).testEquals();
  }

  @Test
  void serializableTypesSerialize() throws Exception {
    new Sanity().testSerializable();
  }

  /** The JUnit 4 checks, run from JUnit 5 (the build has no vintage engine). */
  static final class Sanity extends AbstractPackageSanityTests {
    final Viot viot;
    final ViotNode.Endpoint endpoint;

    Sanity() throws Exception {
      this(c -> false);
    }

    Sanity(com.google.common.base.Predicate<Class<?>> ignored) throws Exception {
      publicApiOnly();
      ignoreClasses(ignored);
      IortBuilder b = new IortBuilder();
      int its = b.addItsGroup(1, List.of(0L));
      b.addRootComplex(4, 0, 0, List.of(IortBuilder.Mapping.to(0, 0x10000, 0, its)));
      byte[] table = b.build();
      Iort iort = Iort.parse(table);
      ViotBuilder v = new ViotBuilder();
      int viommu = v.addVirtioPciIommu(0, 0x08);
      v.addPciRange(0x10, 0, 0, 0, 0xffff, viommu);
      viot = Viot.parse(v.build());
      endpoint =
          (ViotNode.Endpoint)
              viot.nodes().stream()
                  .filter(n -> n instanceof ViotNode.Endpoint)
                  .findFirst()
                  .orElseThrow();
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
      setDistinctValues(
          ImmutableIntArray.class, ImmutableIntArray.of(0x10), ImmutableIntArray.of(0x18));
    }
  }
}
