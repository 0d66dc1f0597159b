package dev.iommufw.machine;

import com.google.common.testing.AbstractPackageSanityTests;
import com.google.common.testing.EqualsTester;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Guava's package sanity checks over every public class of {@code dev.iommufw.machine}: nulls are
 * rejected up front with a {@link NullPointerException}, and value types obey {@code equals}.
 */
class PackageSanityTest {
  private static final Path JSON =
      Path.of("src/test/resources/machines/linux-6.12-dt-smmuv3/machine.json");

  @Test
  void publicMethodsRejectNullsUpFront() throws Exception {
    new Sanity().testNulls();
  }

  @Test
  void valueTypesObeyEquals() throws Exception {
    // MachineDescription and MachineState hold typed collections generated arguments cannot
    // fill; their equality is checked below from real machines.
    new Sanity(c -> c == MachineDescription.class || c == MachineState.class).testEquals();
  }

  @Test
  void descriptionsAndStatesAreEqualByValue() throws Exception {
    Machine a = Machine.load(JSON);
    Machine again = Machine.load(JSON);
    Machine b =
        Machine.load(Path.of("src/test/resources/machines/linux-6.12-dt-viommu/machine.json"));
    new EqualsTester()
        .addEqualityGroup(a.description(), again.description())
        .addEqualityGroup(b.description())
        .testEquals();
    new EqualsTester()
        .addEqualityGroup(a.boot(), again.boot())
        .addEqualityGroup(b.boot())
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

    Sanity(com.google.common.base.Predicate<Class<?>> ignored) throws Exception {
      publicApiOnly();
      ignoreClasses(ignored);
      Path json = JSON;
      Machine machine = Machine.load(json);
      setDefault(Path.class, json);
      setDefault(Machine.class, machine);
      setDefault(MachineDescription.class, machine.description());
      setDefault(MachineState.class, machine.boot());
    }
  }
}
