package dev.iommufw.examples.race;

import dev.iommufw.core.Device;
import dev.iommufw.core.IommuCore;
import dev.iommufw.core.ProbeFlow;
import dev.iommufw.testkit.MachineSpec;
import dev.iommufw.machine.BootEvent;
import dev.iommufw.machine.Machine;
import dev.iommufw.machine.MachineDescription;
import dev.iommufw.machine.MachineException;
import dev.iommufw.machine.MachineJson;
import dev.iommufw.machine.MachineSystem;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The race scenario on the kernel's own answer from Linux 6.15 on: the same device tree as
 * {@link RedesignModel}, booted with {@code kernel} 6.18, so the core uses {@link
 * ProbeFlow#firmwareInProbe()}. D is added first (its probe parses the firmware and finds S not
 * registered); then D's driver probe races S's registration, whose walk over the devices present
 * configures D itself, and a driver probe that comes while the walk runs defers until S is ready.
 * Thread-safe, as the core is.
 */
public final class FirmwareInProbeModel implements RaceModel {
  private static final Machine MACHINE = machine();
  private static final MachineSpec SPEC = RedesignModel.spec();
  private static final String D = SPEC.platform().get(0).node();
  private static final String S = SPEC.smmus().get(0).name();

  private final MachineSystem system = MACHINE.newSystem();

  /** A fresh boot: S not registered, D added (and configured without finding S). */
  public FirmwareInProbeModel() {
    system.run(new BootEvent.AddDevice(D));
  }

  private static Machine machine() {
    MachineSpec spec = RedesignModel.spec();
    try {
      MachineDescription d =
          MachineJson.parse(spec.machineJson().getBytes(StandardCharsets.UTF_8));
      return Machine.of(new MachineDescription(d.name(), "6.18", d.firmwareKind(),
          d.firmwareFiles(), d.iommuDrivers(), d.iommuHardware(), d.pciHosts(), d.pci(),
          d.platform(), d.bindOrder()), spec.firmware());
    } catch (MachineException e) {
      throw new IllegalStateException("the race machine is rejected: " + e.getMessage(), e);
    }
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
    long bound = system.devices().values().stream().filter(x -> x.iommuBinding().isPresent())
        .count();
    if (live != bound) {
      return live + " fwspecs live for " + bound + " bound devices";
    }
    return core.waitingDevices().isEmpty() ? "" : "still waiting: " + core.waitingDevices();
  }
}
