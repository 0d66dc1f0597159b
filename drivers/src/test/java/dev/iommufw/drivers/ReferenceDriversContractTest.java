package dev.iommufw.drivers;

import dev.iommufw.core.FwNode;
import dev.iommufw.core.IommuInstance;
import dev.iommufw.core.IommuOps;
import dev.iommufw.core.testing.IommuOpsContract;
import org.junit.jupiter.api.Nested;

/** Each reference driver passes the {@link IommuOpsContract} every driver must pass. */
class ReferenceDriversContractTest {
  /** arm-smmu-v3, with 16 stream-ID bits. */
  @Nested
  class SmmuV3 extends IommuOpsContract {
    @Override
    protected IommuOps newDriver() {
      return new ArmSmmuV3Driver();
    }

    @Override
    protected IommuInstance newInstance(IommuOps driver, FwNode iommuNode) {
      return ((ArmSmmuV3Driver) driver).createInstance("smmu3", iommuNode, 16);
    }
  }

  /** arm-smmu (v1/v2), with stream matching. */
  @Nested
  class Smmu extends IommuOpsContract {
    @Override
    protected IommuOps newDriver() {
      return new ArmSmmuDriver();
    }

    @Override
    protected IommuInstance newInstance(IommuOps driver, FwNode iommuNode) {
      return ((ArmSmmuDriver) driver).createInstance("smmu", iommuNode);
    }
  }

  /** virtio-iommu. */
  @Nested
  class VirtioIommu extends IommuOpsContract {
    @Override
    protected IommuOps newDriver() {
      return new VirtioIommuDriver();
    }

    @Override
    protected IommuInstance newInstance(IommuOps driver, FwNode iommuNode) {
      return ((VirtioIommuDriver) driver).createInstance("viommu", iommuNode);
    }
  }
}
