package dev.iommufw.core;

import dev.iommufw.core.testing.StandInDriver;

/**
 * One small system for a test: a core, a {@link StandInDriver} with one instance on one node, and
 * helpers to add devices and build fwspecs the way the redesigned glue does.
 */
final class Fixture {
  final IommuCore core;
  final StandInDriver driver = StandInDriver.create("test-smmu");
  final FwNode node = FwNode.create("/smmu@9050000");
  final IommuInstance instance = driver.newInstance("smmu0", node);

  Fixture() {
    this(new IommuCore());
  }

  Fixture(IommuCore core) {
    this.core = core;
  }

  /** A fixture whose instance is already registered. */
  static Fixture registered() {
    Fixture f = new Fixture();
    f.register();
    return f;
  }

  @com.google.errorprone.annotations.CanIgnoreReturnValue
  Fixture register() {
    try {
      core.registerInstance(instance);
    } catch (IommuException e) {
      throw new AssertionError(e);
    }
    return this;
  }

  /** Registers this fixture's instance in {@code on} and returns the typed outcome. */
  RegistrationResult register(IommuCore on) {
    return register(on, instance);
  }

  /** Registers {@code which} in {@code on} and returns the typed outcome. */
  static RegistrationResult register(IommuCore on, IommuInstance which) {
    try {
      return on.registerInstance(which);
    } catch (IommuException e) {
      throw new AssertionError(e);
    }
  }

  /** Adds a plain platform device (no configure step) to the core. */
  Device addDevice(String name) {
    Device dev = Device.builder(name, BusKind.PLATFORM).build();
    core.addDevice(dev);
    return dev;
  }

  /** Builds a fwspec for {@code dev} naming {@code iommu} with {@code ids}, not yet handed off. */
  IommuFwspec build(Device dev, FwNode iommu, int... ids) throws IommuException {
    IommuFwspec fwspec = core.allocFwspec();
    try {
      core.fwspecAssignIommu(fwspec, dev, iommu);
    } catch (IommuException | RuntimeException e) {
      fwspec.dealloc();
      throw e;
    }
    fwspec.appendIds(ids);
    return fwspec;
  }

  IommuFwspec build(Device dev, int... ids) throws IommuException {
    return build(dev, node, ids);
  }

  /** Fwspecs allocated but not yet freed: those installed in devices (and any still building). */
  long live() {
    return core.fwspecsAllocated() - core.fwspecsFreed();
  }
}
