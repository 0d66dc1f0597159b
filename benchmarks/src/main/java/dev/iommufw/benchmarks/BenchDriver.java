package dev.iommufw.benchmarks;

import dev.iommufw.core.Device;
import dev.iommufw.core.Errno;
import dev.iommufw.core.FwNode;
import dev.iommufw.core.IommuCore;
import dev.iommufw.core.IommuException;
import dev.iommufw.core.IommuFwspec;
import dev.iommufw.core.IommuInstance;
import dev.iommufw.core.IommuOps;
import java.util.IdentityHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The cheapest driver that still does what a real one must: find the instance named by the
 * device's fwspec. It keeps benchmark numbers about the core, not about a driver's tables.
 */
public final class BenchDriver implements IommuOps {
  private final IdentityHashMap<FwNode, IommuInstance> byNode = new IdentityHashMap<>();

  /** Creates a driver with no instances. */
  public BenchDriver() {}

  /**
   * Creates (but does not register) an instance of this driver.
   *
   * @param name the instance's name
   * @return the instance, with a fresh firmware node
   */
  public IommuInstance newInstance(String name) {
    FwNode node = FwNode.create(name);
    IommuInstance instance = new IommuInstance(name, node, this);
    byNode.put(node, instance);
    return instance;
  }

  @Override
  public String name() {
    return "bench";
  }

  @Override
  public IommuInstance probeDevice(IommuCore core, Device dev) throws IommuException {
    IommuFwspec fwspec = core.fwspec(dev);
    FwNode node = fwspec == null ? null : fwspec.iommuFwNode();
    @Nullable IommuInstance instance = node == null ? null : byNode.get(node);
    if (instance == null) {
      throw new IommuException(Errno.ENODEV, dev.name() + " is not bench's");
    }
    return instance;
  }
}
