package dev.iommufw.of;

import com.google.common.primitives.ImmutableIntArray;
import com.google.common.testing.AbstractPackageSanityTests;
import dev.iommufw.core.BusKind;
import dev.iommufw.core.Device;
import dev.iommufw.core.IommuCore;
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
    }
  }
}
