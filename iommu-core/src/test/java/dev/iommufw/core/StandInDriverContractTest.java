package dev.iommufw.core;

import dev.iommufw.core.testing.IommuOpsContract;
import dev.iommufw.core.testing.StandInDriver;
import org.junit.jupiter.api.Nested;

/** The stand-in driver (lock-free {@code of_xlate_fwspec} flavour) passes the ops contract. */
class StandInDriverContractTest extends IommuOpsContract {
  @Override
  protected IommuOps newDriver() {
    return StandInDriver.create("stand-in");
  }

  @Override
  protected IommuInstance newInstance(IommuOps driver, FwNode iommuNode) {
    return ((StandInDriver) driver).newInstance(iommuNode);
  }

  /** The legacy {@code of_xlate} flavour passes it too. */
  @Nested
  class Legacy extends IommuOpsContract {
    @Override
    protected IommuOps newDriver() {
      return StandInDriver.legacy("stand-in-legacy");
    }

    @Override
    protected IommuFwspec acceptedFwspec(Device dev) throws IommuException {
      IommuFwspec f = core.allocFwspec();
      try {
        core.fwspecOfXlate(f, dev, node, specifier());
      } catch (IommuException | RuntimeException e) {
        f.dealloc();
        throw e;
      }
      return f;
    }

    @Override
    protected IommuInstance newInstance(IommuOps driver, FwNode iommuNode) {
      return ((StandInDriver) driver).newInstance(iommuNode);
    }
  }

  /** And the flavour without device tree translation. */
  @Nested
  class WithoutOfXlate extends IommuOpsContract {
    @Override
    protected IommuOps newDriver() {
      return StandInDriver.withoutOfXlate("stand-in-acpi");
    }

    @Override
    protected IommuInstance newInstance(IommuOps driver, FwNode iommuNode) {
      return ((StandInDriver) driver).newInstance(iommuNode);
    }
  }
}
