package dev.iommufw.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.iommufw.core.testing.Tries;
import dev.iommufw.machine.MachineState.DeviceState;
import dev.iommufw.machine.MachineState.GroupState;
import dev.iommufw.machine.MachineState.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Properties of whole-machine boots over generated topologies. */
class MachineProperties {
  /** The default boot with every RegisterInstance event moved to {@code position}. */
  static List<BootEvent> registeringAt(List<BootEvent> events, boolean first) {
    List<BootEvent> registrations = new ArrayList<>();
    List<BootEvent> rest = new ArrayList<>();
    for (BootEvent e : events) {
      (e instanceof BootEvent.RegisterInstance ? registrations : rest).add(e);
    }
    List<BootEvent> out = new ArrayList<>();
    if (first) {
      out.addAll(registrations);
      out.addAll(rest);
    } else {
      out.addAll(rest.subList(0, rest.size() - 1)); // everything but the timeout
      out.addAll(registrations);
      out.add(rest.get(rest.size() - 1));
    }
    return out;
  }

  @Test
  void theEndStateDoesNotDependOnWhenInstancesRegister() {
    qt().withExamples(Tries.scaled(150))
        .forAll(longs().all())
        .checkAssert(
            seed -> {
              Machine m = generated(seed);
              MachineState reference = m.boot();
              for (boolean first : new boolean[] {true, false}) {
                MachineSystem s = m.newSystem();
                s.runAll(registeringAt(m.defaultBoot(), first));
                assertThat(s.endState())
                    .as("seed %s, registering first=%s", seed, first)
                    .isEqualTo(reference);
              }
            });
  }

  @Test
  void everyDeviceOfAGroupReachesTheGroupsInstance() {
    qt().withExamples(Tries.scaled(150))
        .forAll(longs().all())
        .checkAssert(
            seed -> {
              MachineState s = generated(seed).boot();
              int grouped = 0;
              for (GroupState g : s.groups()) {
                assertThat(g.members()).isNotEmpty();
                assertThat(g.name()).isEqualTo(g.members().get(0));
                for (String member : g.members()) {
                  DeviceState d = java.util.Objects.requireNonNull(s.device(member));
                  assertThat(d.result()).isEqualTo(Result.OK);
                  assertThat(d.iommu()).isEqualTo(g.instance());
                  assertThat(d.group()).isEqualTo(g.name());
                  grouped++;
                }
              }
              long ok = s.devices().stream().filter(d -> d.result() == Result.OK).count();
              assertThat(grouped).isEqualTo((int) ok);
              for (DeviceState d : s.devices()) {
                if (d.result() != Result.OK) {
                  assertThat(d.group()).isNull();
                  assertThat(d.iommu()).isNull();
                }
              }
            });
  }

  @Test
  void aMachineWrittenToJsonAndReadBackBootsToTheSameReport() throws Exception {
    Path dir = Files.createTempDirectory("machine-round-trip");
    qt().withExamples(Tries.scaled(60))
        .forAll(longs().all())
        .checkAssert(
            seed -> {
              try {
                RandomMachines.Generated g = RandomMachines.generate(seed);
                Path folder = Files.createTempDirectory(dir, "m");
                Files.write(folder.resolve("machine.json"), MachineJson.write(g.description()));
                for (Map.Entry<String, byte[]> f : g.files().entrySet()) {
                  Files.write(folder.resolve(f.getKey()), f.getValue());
                }
                Machine loaded = Machine.load(folder.resolve("machine.json"));
                assertThat(loaded.description()).isEqualTo(g.description());
                assertThat(MachineReport.jsonl(loaded.boot()))
                    .isEqualTo(MachineReport.jsonl(g.machine().boot()));
              } catch (Exception e) {
                throw new AssertionError(e);
              }
            });
  }

  static Machine generated(long seed) {
    try {
      return RandomMachines.generate(seed).machine();
    } catch (MachineException e) {
      throw new AssertionError("generated machine " + seed + " rejected: " + e.getMessage(), e);
    }
  }
}
