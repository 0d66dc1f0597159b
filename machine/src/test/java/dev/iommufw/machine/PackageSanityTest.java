package dev.iommufw.machine;

import com.google.common.testing.AbstractPackageSanityTests;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Guava's package sanity checks over every public class of {@code dev.iommufw.machine}: nulls
 * are rejected up front with a {@link NullPointerException}, and value types obey {@code equals}.
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
      Path json = Path.of("src/test/resources/machines/linux-6.12-dt-smmuv3/machine.json");
      Machine machine = Machine.load(json);
      setDefault(Path.class, json);
      setDefault(Machine.class, machine);
      setDefault(MachineDescription.class, machine.description());
      setDefault(MachineState.class, machine.boot());
    }
  }
}
