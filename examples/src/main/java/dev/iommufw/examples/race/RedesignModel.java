package dev.iommufw.examples.race;

import com.google.common.collect.ImmutableList;
import com.google.common.primitives.ImmutableIntArray;
import dev.iommufw.core.Device;
import dev.iommufw.core.IommuCore;
import dev.iommufw.core.ProbeFlow;
import dev.iommufw.machine.BootEvent;
import dev.iommufw.machine.Machine;
import dev.iommufw.machine.MachineDescription;
import dev.iommufw.machine.MachineException;
import dev.iommufw.machine.MachineJson;
import dev.iommufw.machine.MachineSystem;
import dev.iommufw.testkit.MachineSpec;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The race scenario on the redesigned library: a device tree (built by the testkit's {@link
 * MachineSpec}) with one SMMUv3 S and one platform device D, {@code iommus = <&S 1>, <&S 2>},
 * booted by a {@link MachineSystem} — the real {@link IommuCore}, OF glue and reference SMMUv3
 * driver. Thread-safe, as the core is.
 *
 * <p>Two boots of the same machine: {@link #RedesignModel()} with a pre-6.15 {@code kernel} (the
 * series' off-device hand-over), and {@link #firmwareInProbe()} with {@code kernel} 6.18, the
 * kernel's own answer from Linux 6.15 on ({@link ProbeFlow#firmwareInProbe()}): D is added first
 * (its probe parses the firmware and finds S not registered); then D's driver probe races S's
 * registration, whose walk over the devices present configures D itself, and a driver probe that
 * comes while the walk runs defers until S is ready.
 */
public final class RedesignModel implements RaceModel {
  private static final MachineSpec SPEC =
      new MachineSpec(
          false,
          ImmutableList.of(new MachineSpec.Smmu(true, 0x9050000L)),
          ImmutableList.of("arm-smmu-v3"),
          ImmutableList.of(new MachineSpec.Platform(0xa000000L, 0, ImmutableIntArray.of(1, 2))),
          -1,
          0,
          ImmutableList.of(),
          0);
  private static final Machine MACHINE = SPEC.machine();
  private static final Machine MACHINE_6_18 = withKernel("6.18");
  private static final String D = SPEC.platform().get(0).node();
  private static final String S = SPEC.smmus().get(0).name();

  private final MachineSystem system;

  /** A fresh boot in the series' flow: S not registered, D added but unprobed. */
  public RedesignModel() {
    this(MACHINE);
  }

  private RedesignModel(Machine machine) {
    system = machine.newSystem();
    system.run(new BootEvent.AddDevice(D));
  }

  /**
   * A fresh boot in the Linux 6.15+ flow: S not registered, D added (and configured without finding
   * S).
   *
   * @return the model
   */
  public static RedesignModel firmwareInProbe() {
    return new RedesignModel(MACHINE_6_18);
  }

  private static Machine withKernel(String kernel) {
    try {
      MachineDescription d = MachineJson.parse(SPEC.machineJson().getBytes(StandardCharsets.UTF_8));
      return Machine.of(
          new MachineDescription(
              d.name(),
              kernel,
              d.firmwareKind(),
              d.firmwareFiles(),
              d.iommuDrivers(),
              d.iommuHardware(),
              d.pciHosts(),
              d.pci(),
              d.platform(),
              d.bindOrder()),
          SPEC.firmware());
    } catch (MachineException e) {
      throw new IllegalStateException("the race machine is rejected: " + e.getMessage(), e);
    }
  }

  /**
   * The machine both designs describe, for reports.
   *
   * @return its {@code machine.json} and firmware as a spec
   */
  public static MachineSpec spec() {
    return SPEC;
  }

  @Override
  public void configure() {
    system.run(new BootEvent.DmaConfigure(D));
  }

  @Override
  public void register() {
    system.run(new BootEvent.RegisterInstance(S));
  }

  @Override
  public String state() {
    Device d = Objects.requireNonNull(system.devices().get(D));
    return d.iommuBinding().map(b -> "ok " + b.ids()).orElse("unbound");
  }

  @Override
  public String leaks() {
    IommuCore core = system.core();
    long live = core.fwspecsAllocated() - core.fwspecsFreed();
    long bound =
        system.devices().values().stream().filter(x -> x.iommuBinding().isPresent()).count();
    if (live != bound) {
      return live + " fwspecs live for " + bound + " bound devices";
    }
    return core.waitingDevices().isEmpty() ? "" : "still waiting: " + core.waitingDevices();
  }
}
