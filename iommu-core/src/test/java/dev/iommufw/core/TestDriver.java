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
 * A small, configurable IOMMU driver for tests, modelled on the converted SMMUv3 driver: it
 * translates specifiers lock-free into the glue's fwspec ({@link IommuOps.OfXlateFwspec}) and, in
 * {@code probe_device}, accepts a device exactly when the device's fwspec carries this driver's ops
 * and names a firmware node of one of this driver's instances that is registered. A device without
 * a fwspec is accepted only by this driver's nodeless instance, if it has one registered.
 *
 * <p>Knobs (all thread-safe): IDs to reject with {@link Errno#ERANGE} (in probe or in xlate), a
 * {@link RuntimeException} to throw from probe, whether to set per-device private data (and fail
 * with {@link Errno#EBUSY} when it is already set, as SMMUv3 does), and a hook run inside probe.
 */
final class TestDriver implements IommuOps, IommuOps.OfXlateFwspec {
  /** Thrown from probe when {@link #throwFromProbe} is set: a driver bug, not a typed failure. */
  static final class DriverBug extends RuntimeException {
    private static final long serialVersionUID = 1L;

    DriverBug(String message) {
      super(message);
    }
  }

  /** Code run inside {@code probe_device}, with the probe lock held. */
  @FunctionalInterface
  interface ProbeHook {
    void run(IommuCore core, Device dev) throws IommuException;
  }

  private final String name;
  private final Map<FwNode, IommuInstance> byNode =
      Collections.synchronizedMap(new IdentityHashMap<>());
  private volatile @Nullable IommuInstance nodeless;

  /** IDs that {@code probe_device} rejects with ERANGE. */
  final Set<Integer> rejectInProbe = ConcurrentHashMap.newKeySet();

  /** Cells that {@code of_xlate_fwspec} rejects with ERANGE. */
  final Set<Integer> rejectInXlate = ConcurrentHashMap.newKeySet();

  volatile boolean throwFromProbe;
  volatile boolean setPriv;
  volatile boolean busyIfPrivSet;
  volatile @Nullable ProbeHook probeHook;
  volatile @Nullable Errno failDeviceGroup;
  volatile @Nullable IommuInstance forceReturn;

  final List<Device> probed = Collections.synchronizedList(new ArrayList<>());
  final List<Device> released = Collections.synchronizedList(new ArrayList<>());
  final List<Device> finalized = Collections.synchronizedList(new ArrayList<>());
  final List<Boolean> finalizeHeldLock = Collections.synchronizedList(new ArrayList<>());
  final List<Boolean> releaseHeldLock = Collections.synchronizedList(new ArrayList<>());
  final List<@Nullable Object> privAtRelease = Collections.synchronizedList(new ArrayList<>());

  TestDriver(String name) {
    this.name = name;
  }

  /** Creates an instance of this driver (not registered) and remembers it by node. */
  IommuInstance newInstance(String instanceName, @Nullable FwNode node) {
    IommuInstance instance = new IommuInstance(instanceName, node, this);
    if (node == null) {
      nodeless = instance;
    } else {
      byNode.put(node, instance);
    }
    return instance;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public IommuInstance probeDevice(IommuCore core, Device dev) throws IommuException {
    probed.add(dev);
    ProbeHook hook = probeHook;
    if (hook != null) {
      hook.run(core, dev);
    }
    IommuFwspec fwspec = core.fwspec(dev);
    IommuInstance instance;
    if (fwspec == null) {
      IommuInstance bus = nodeless;
      if (bus == null || !bus.isRegisteredIn(core)) {
        throw new IommuException(Errno.ENODEV, dev + " has no fwspec");
      }
      instance = bus;
    } else {
      FwNode node = fwspec.iommuFwNode();
      IommuInstance mine = node == null ? null : byNode.get(node);
      if (fwspec.ops() != this || mine == null || !mine.isRegisteredIn(core)) {
        throw new IommuException(Errno.ENODEV, dev + " is not " + name + "'s");
      }
      for (int id : fwspec.ids().toArray()) {
        if (rejectInProbe.contains(id)) {
          throw new IommuException(
              Errno.ERANGE, "ID 0x" + Integer.toHexString(id) + " out of range");
        }
      }
      instance = mine;
    }
    if (throwFromProbe) {
      throw new DriverBug(name + " crashed probing " + dev);
    }
    if (setPriv) {
      if (busyIfPrivSet && core.priv(dev) != null) {
        throw new IommuException(Errno.EBUSY, dev + " already has private data");
      }
      core.setPriv(dev, "priv:" + dev.name());
    }
    IommuInstance forced = forceReturn;
    return forced != null ? forced : instance;
  }

  @Override
  public void releaseDevice(IommuCore core, Device dev) {
    releaseHeldLock.add(core.holdsProbeLock());
    privAtRelease.add(core.holdsProbeLock() ? core.priv(dev) : "lock not held");
    released.add(dev);
  }

  @Override
  public void probeFinalize(IommuCore core, Device dev) {
    finalizeHeldLock.add(core.holdsProbeLock());
    finalized.add(dev);
  }

  @Override
  public IommuGroup deviceGroup(IommuCore core, Device dev) throws IommuException {
    Errno fail = failDeviceGroup;
    if (fail != null) {
      throw new IommuException(fail, "no group for " + dev);
    }
    return IommuOps.super.deviceGroup(core, dev);
  }

  @Override
  public void ofXlateFwspec(
      IommuFwspec fwspec, Device dev, FwNode iommuNode, ImmutableIntArray args)
      throws IommuException {
    for (int i = 0; i < args.length(); i++) {
      if (rejectInXlate.contains(args.get(i))) {
        throw new IommuException(Errno.ERANGE, "cell 0x" + Integer.toHexString(args.get(i)));
      }
    }
    fwspec.appendIds(args.toArray());
  }

  @Override
  public String toString() {
    return "TestDriver[" + name + "]";
  }
}
