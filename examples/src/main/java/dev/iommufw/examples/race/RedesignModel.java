package dev.iommufw.examples.race;

import com.google.common.collect.ImmutableList;
import com.google.common.primitives.ImmutableIntArray;
import dev.iommufw.core.Device;
import dev.iommufw.core.IommuCore;
import dev.iommufw.testkit.MachineSpec;
import dev.iommufw.machine.BootEvent;
import dev.iommufw.machine.Machine;
import dev.iommufw.machine.MachineSystem;
import java.util.Objects;

/**
 * The race scenario on the redesigned library: a device tree (built by the testkit's {@link
 * MachineSpec}) with one SMMUv3 S and one platform device D, {@code iommus = <&S 1>, <&S 2>},
 * booted by a {@link MachineSystem} — the real {@link IommuCore}, OF glue and reference SMMUv3
 * driver. Thread-safe, as the core is.
 */
public final class RedesignModel implements RaceModel {
  private static final MachineSpec SPEC = new MachineSpec(false,
      ImmutableList.of(new MachineSpec.Smmu(true, 0x9050000L)), ImmutableList.of("arm-smmu-v3"),
      ImmutableList.of(new MachineSpec.Platform(0xa000000L, 0, ImmutableIntArray.of(1, 2))), -1,
      0, ImmutableList.of(), 0);
  private static final Machine MACHINE = SPEC.machine();
  private static final String D = SPEC.platform().get(0).node();
  private static final String S = SPEC.smmus().get(0).name();

  private final MachineSystem system = MACHINE.newSystem();

  /** A fresh boot: S not registered, D added but unprobed. */
  public RedesignModel() {
    system.run(new BootEvent.AddDevice(D));
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
    long bound = system.devices().values().stream().filter(x -> x.iommuBinding().isPresent())
        .count();
    return live == bound ? "" : live + " fwspecs live for " + bound + " bound devices";
  }

}
