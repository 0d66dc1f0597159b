package dev.iommufw.core;

import com.google.common.primitives.ImmutableIntArray;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * A legacy device tree driver for tests, like apple-dart or qcom_iommu: its {@code of_xlate} works
 * through the device (the core parks the glue's fwspec there under the probe lock), appends with
 * {@link IommuCore#fwspecAddIds} and sets per-device private data while translating. Its {@code
 * probe_device} requires both a fwspec with its ops and the private data (kernel-model.md §5.7:
 * reference drivers must check for a fwspec, not only for {@code priv}).
 */
final class LegacyTestDriver implements IommuOps, IommuOps.LegacyOfXlate {
  private final String name;
  private final Map<FwNode, IommuInstance> byNode =
      Collections.synchronizedMap(new IdentityHashMap<>());

  /** Cells that {@code of_xlate} rejects with ERANGE, after having set private data. */
  final Set<Integer> rejectInXlate = ConcurrentHashMap.newKeySet();

  /** What the driver saw in the slot during each {@code of_xlate}: the fwspec and prior priv. */
  final List<@Nullable IommuFwspec> seenFwspecs = Collections.synchronizedList(new ArrayList<>());

  final List<@Nullable Object> seenPriv = Collections.synchronizedList(new ArrayList<>());
  final List<Device> released = Collections.synchronizedList(new ArrayList<>());

  LegacyTestDriver(String name) {
    this.name = name;
  }

  IommuInstance newInstance(String instanceName, FwNode node) {
    IommuInstance instance = new IommuInstance(instanceName, node, this);
    byNode.put(node, instance);
    return instance;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void ofXlate(IommuCore core, Device dev, FwNode iommuNode, ImmutableIntArray args)
      throws IommuException {
    core.assertProbeLockHeld();
    seenFwspecs.add(core.fwspec(dev));
    seenPriv.add(core.priv(dev));
    core.setPriv(dev, "legacy-priv:" + dev.name());
    for (int i = 0; i < args.length(); i++) {
      if (rejectInXlate.contains(args.get(i))) {
        throw new IommuException(Errno.ERANGE, "cell 0x" + Integer.toHexString(args.get(i)));
      }
    }
    core.fwspecAddIds(dev, args.toArray());
  }

  @Override
  public IommuInstance probeDevice(IommuCore core, Device dev) throws IommuException {
    IommuFwspec fwspec = core.fwspec(dev);
    if (fwspec == null || fwspec.ops() != this || core.priv(dev) == null) {
      throw new IommuException(Errno.ENODEV, dev + " is not " + name + "'s");
    }
    FwNode node = fwspec.iommuFwNode();
    IommuInstance mine = node == null ? null : byNode.get(node);
    if (mine == null || !mine.isRegisteredIn(core)) {
      throw new IommuException(Errno.ENODEV, dev + ": no registered instance");
    }
    return mine;
  }

  @Override
  public void releaseDevice(IommuCore core, Device dev) {
    released.add(dev);
  }

  @Override
  public String toString() {
    return "LegacyTestDriver[" + name + "]";
  }
}
