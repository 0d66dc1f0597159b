package dev.iommufw.of;

import com.google.common.primitives.ImmutableIntArray;
import com.google.common.testing.AbstractPackageSanityTests;
import com.google.common.testing.EqualsTester;
import dev.iommufw.core.BusKind;
import dev.iommufw.core.Device;
import dev.iommufw.core.IommuCore;
import dev.iommufw.core.pci.Bdf;
import dev.iommufw.core.pci.PciFunction;
import org.junit.jupiter.api.Test;

/**
 * Guava's package sanity checks over every public class of {@code dev.iommufw.of}: nulls are
 * rejected up front with a {@link NullPointerException}, and value types obey {@code equals}.
 */
class PackageSanityTest {
  @Test
  void publicMethodsRejectNullsUpFront() throws Exception {
    new Sanity().testNulls();
  }

  @Test
  void valueTypesObeyEquals() throws Exception {
    // FdtProperty's package-private constructor takes a window (offset, length) into a blob,
    // which generated arguments violate; its public factory is checked below.
    new Sanity(FdtProperty.class::equals).testEquals();
  }

  @Test
  void fdtPropertyEqualityIsByNameAndBytes() {
    new EqualsTester()
        .addEqualityGroup(
            FdtProperty.of("reg", new byte[] {0, 0, 0, 1}),
            FdtProperty.of("reg", new byte[] {0, 0, 0, 1}))
        .addEqualityGroup(FdtProperty.of("reg", new byte[] {0, 0, 0, 2}))
        .addEqualityGroup(FdtProperty.of("ranges", new byte[] {0, 0, 0, 1}))
        .testEquals();
  }

  @Test
  void serializableTypesSerialize() throws Exception {
    new Sanity().testSerializable();
  }

  /** The JUnit 4 checks, run from JUnit 5 (the build has no vintage engine). */
  static final class Sanity extends AbstractPackageSanityTests {
    Sanity() throws Exception {
      this(c -> false);
    }

    Sanity(com.google.common.base.Predicate<Class<?>> ignoredForEquals) throws Exception {
      publicApiOnly();
      ignoreClasses(ignoredForEquals);
      FdtBuilder b = new FdtBuilder();
      b.root().addChild("smmu@1000").cells("#iommu-cells", 1).phandle(1);
      b.root().addChild("dev@2000").cells("iommus", 1, 0x10);
      byte[] blob = b.build();
      Fdt fdt = Fdt.parse(blob);
      FdtNode dev = java.util.Objects.requireNonNull(fdt.node("/dev@2000"));
      OfIommu of = OfIommu.of(fdt);
      IommuCore core = new IommuCore();
      Device device = Device.builder("dev@2000", BusKind.PLATFORM).build();
      core.addDevice(device);
      setDefault(byte[].class, blob);
      setDefault(Fdt.class, fdt);
      setDefault(FdtNode.class, dev);
      setDefault(OfIommu.class, of);
      setDefault(IommuCore.class, core);
      setDefault(Device.class, device);
      setDefault(String.class, "/dev@2000");
      setDefault(ImmutableIntArray.class, ImmutableIntArray.of(0x10));
      setDistinctValues(
          ImmutableIntArray.class, ImmutableIntArray.of(0x10), ImmutableIntArray.of(0x18));
      setDefault(PciFunction.class, PciFunction.of(Bdf.parse("0000:00:02.0")));
      FdtNode smmu = java.util.Objects.requireNonNull(fdt.node("/smmu@1000"));
      setDistinctValues(FdtNode.class, dev, smmu);
      setDistinctValues(Fdt.class, fdt, Fdt.parse(new FdtBuilder().build()));
    }
  }
}
