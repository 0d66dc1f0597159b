package dev.iommufw.core.pci;

import com.google.common.primitives.ImmutableIntArray;
import com.google.common.testing.AbstractPackageSanityTests;
import com.google.common.testing.EqualsTester;
import org.junit.jupiter.api.Test;

/**
 * Guava's package sanity checks over every public class of {@code dev.iommufw.core.pci}: nulls are
 * rejected up front with a {@link NullPointerException}, and the value types ({@link Bdf}, {@link
 * PciFunction}, {@link PciDev}, {@link PciDmaAlias}) obey {@code equals}/{@code hashCode}.
 */
class PackageSanityTest {
  @Test
  void publicMethodsRejectNullsUpFront() throws Exception {
    new Sanity().testNulls();
  }

  @Test
  void valueTypesObeyEquals() throws Exception {
    // PciDev's 14 components have cross-field rules that generated values break; it is checked
    // explicitly below.
    new Sanity(PciDev.class::equals).testEquals();
  }

  @Test
  void pciDevEqualityIsByValue() {
    Bdf bdf = Bdf.parse("0000:00:1e.0");
    PciDev bridge = PciDev.builder(bdf, PciType.PCI_BRIDGE).window(1, 2).id(0x8086, 0x244e).build();
    new EqualsTester()
        .addEqualityGroup(bridge, bridge.toBuilder().build())
        .addEqualityGroup(bridge.toBuilder().window(1, 3).build())
        .addEqualityGroup(bridge.toBuilder().pcieBridgeAlias(true).build())
        .addEqualityGroup(bridge.toBuilder().quirkAliasDevfns(0x10).build())
        .addEqualityGroup(PciDev.builder(bdf, PciType.ENDPOINT).build())
        .testEquals();
  }

  @Test
  void serializableTypesSerialize() throws Exception {
    new Sanity().testSerializable();
  }

  /** The JUnit 4 checks, run from JUnit 5 (the build has no vintage engine). */
  static final class Sanity extends AbstractPackageSanityTests {
    Sanity() {
      this(c -> false);
    }

    Sanity(com.google.common.base.Predicate<Class<?>> ignored) {
      publicApiOnly();
      ignoreClasses(ignored);
      Bdf bdf = Bdf.parse("0000:00:02.0");
      PciDev endpoint = PciDev.builder(bdf, PciType.ENDPOINT).build();
      PciTopology topology = PciTopology.builder().rootBus(0, 0).add(endpoint).build();
      setDefault(Bdf.class, bdf);
      setDefault(PciType.class, PciType.ENDPOINT);
      setDefault(PciDev.class, endpoint);
      setDefault(PciTopology.class, topology);
      setDefault(ImmutableIntArray.class, ImmutableIntArray.of(0x10));
      setDefault(String.class, "0000:00:02.0");
      setDistinctValues(Bdf.class, bdf, Bdf.parse("0000:00:03.0"));
      setDistinctValues(
          PciDev.class,
          endpoint,
          PciDev.builder(Bdf.parse("0000:00:03.0"), PciType.ENDPOINT).build());
      setDistinctValues(
          ImmutableIntArray.class, ImmutableIntArray.of(0x10), ImmutableIntArray.of(0x18));
    }
  }
}
