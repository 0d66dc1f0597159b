package dev.iommufw.core.testing;

import com.google.common.primitives.ImmutableIntArray;
import dev.iommufw.core.Device;
import dev.iommufw.core.Errno;
import dev.iommufw.core.FwNode;
import dev.iommufw.core.IommuCore;
import dev.iommufw.core.IommuException;
import dev.iommufw.core.IommuFwspec;
import dev.iommufw.core.IommuGroup;
import dev.iommufw.core.IommuInstance;
import dev.iommufw.core.IommuOps;
import dev.iommufw.core.ProbeContext;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;

/**
 * The one stand-in IOMMU driver of the test suites: small, configurable, and honest about what a
 * real driver must do. It is modelled on the converted SMMUv3 driver: {@code probe_device} accepts
 * a device exactly when the device's fwspec carries this driver's ops and names the firmware node
 * of one of this driver's instances that is registered in the probing core; a device without a
 * fwspec is accepted only by this driver's nodeless (bus-wide) instance, if one is registered.
 *
 * <p>Its device tree capability is chosen at creation, as a real driver's is:
 *
 * <ul>
 *   <li>{@link #create}: the series' lock-free {@link IommuOps.OfXlateFwspec}; every specifier cell
 *       becomes one ID;
 *   <li>{@link #legacy}: the kernel's {@link IommuOps.LegacyOfXlate}, like apple-dart or
 *       qcom_iommu: it translates through the device under the probe lock, sets per-device private
 *       data while translating, and its {@code probe_device} requires both a fwspec with its ops
 *       and that private data (a reference driver must check for a fwspec, not only for private
 *       data);
 *   <li>{@link #withoutOfXlate}: no device tree translation at all (an ACPI-only driver).
 * </ul>
 *
 * <p>Knobs (all thread-safe, public so that any module's tests can set them): IDs to reject with
 * {@link Errno#ERANGE} in probe or in translation, an errno to fail every probe with, a {@link
 * RuntimeException} to throw from probe, per-device private data (failing with {@link Errno#EBUSY}
 * when already set, as SMMUv3 does), a hook run inside probe (per-device behaviour), a group
 * failure, and an instance to return instead of the right one (a buggy driver). Every callback is
 * recorded unless {@link #recording} is off (benchmarks turn it off).
 */
public class StandInDriver implements IommuOps {
  /** Thrown from probe when {@link #throwFromProbe} is set: a driver bug, not a typed failure. */
  public static final class DriverBug extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * A driver bug.
     *
     * @param message what crashed
     */
    public DriverBug(String message) {
      super(message);
    }
  }

  /** Code run inside {@code probe_device}, with the probe lock held. */
  @FunctionalInterface
  public interface ProbeHook {
    /**
     * Runs inside probe.
     *
     * @param ctx the driver's view of the device being probed
     * @throws IommuException to fail the probe with its errno
     */
    void run(ProbeContext ctx) throws IommuException;
  }

  /** The lock-free {@code of_xlate_fwspec} flavour. */
  private static final class Modern extends StandInDriver implements IommuOps.OfXlateFwspec {
    Modern(String name) {
      super(name, false);
    }

    @Override
    public void ofXlateFwspec(
        IommuFwspec fwspec, Device dev, FwNode iommuNode, ImmutableIntArray args)
        throws IommuException {
      checkSpecifier(args);
      fwspec.appendIds(args.toArray());
    }
  }

  /** The legacy {@code of_xlate} flavour: through the device, under the probe lock. */
  private static final class Legacy extends StandInDriver implements IommuOps.LegacyOfXlate {
    Legacy(String name) {
      super(name, true);
    }

    @Override
    public void ofXlate(ProbeContext ctx, FwNode iommuNode, ImmutableIntArray args)
        throws IommuException {
      if (recording) {
        contexts.add(ctx);
        seenFwspecs.add(ctx.fwspec());
        seenPriv.add(ctx.priv());
      }
      ctx.setPriv("legacy-priv:" + ctx.device().name());
      checkSpecifier(args);
      ctx.addIds(args.toArray());
    }
  }

  private final String name;
  private final boolean requirePriv;
  // Scanned by node identity, not hashed: Lincheck's model checker makes identity hash codes
  // deterministic per execution, so a hash table filled before the checked execution misses.
  private final List<IommuInstance> withNode = new CopyOnWriteArrayList<>();
  private volatile @Nullable IommuInstance nodeless;

  /** IDs that {@code probe_device} rejects with ERANGE. */
  public final Set<Integer> rejectInProbe = ConcurrentHashMap.newKeySet();

  /** Cells that translation rejects with ERANGE (the legacy flavour after setting priv). */
  public final Set<Integer> rejectInXlate = ConcurrentHashMap.newKeySet();

  /** Whether every callback is recorded in the lists below (default on). */
  public volatile boolean recording = true;

  /** When set, translating an empty specifier fails with this errno (a driver needing cells). */
  public volatile @Nullable Errno rejectEmptySpecifier;

  /** When set, every {@code probe_device} fails with this errno (after the hook). */
  public volatile @Nullable Errno failProbeWith;

  /** When set, {@code probe_device} throws a {@link DriverBug}. */
  public volatile boolean throwFromProbe;

  /** When set, {@code probe_device} sets private data {@code "priv:<device name>"}. */
  public volatile boolean setPriv;

  /** With {@link #setPriv}: fail with EBUSY when the device already has private data. */
  public volatile boolean busyIfPrivSet;

  /** Run first inside {@code probe_device}. */
  public volatile @Nullable ProbeHook probeHook;

  /** When set, {@code device_group} fails with this errno. */
  public volatile @Nullable Errno failDeviceGroup;

  /** When set, {@code probe_device} returns this instance instead of the right one. */
  public volatile @Nullable IommuInstance forceReturn;

  /** Devices passed to {@code probe_device}, in call order. */
  public final List<Device> probed = Collections.synchronizedList(new ArrayList<>());

  /** Devices passed to {@code release_device}. */
  public final List<Device> released = Collections.synchronizedList(new ArrayList<>());

  /** Devices passed to {@code probe_finalize}. */
  public final List<Device> finalized = Collections.synchronizedList(new ArrayList<>());

  /** Whether the probe lock was held in each {@code probe_finalize}. */
  public final List<Boolean> finalizeHeldLock = Collections.synchronizedList(new ArrayList<>());

  /** Whether the probe lock was held in each {@code release_device}. */
  public final List<Boolean> releaseHeldLock = Collections.synchronizedList(new ArrayList<>());

  /** The device's private data seen in each {@code release_device}. */
  public final List<@Nullable Object> privAtRelease =
      Collections.synchronizedList(new ArrayList<>());

  /**
   * Every context handed to {@code of_xlate}, {@code probe_device} and {@code release_device}, in
   * call order: a test checks that none outlives its callback.
   */
  public final List<ProbeContext> contexts = Collections.synchronizedList(new ArrayList<>());

  /** Legacy flavour: the device's fwspec seen by each {@code of_xlate}. */
  public final List<@Nullable IommuFwspec> seenFwspecs =
      Collections.synchronizedList(new ArrayList<>());

  /** Legacy flavour: the device's private data seen by each {@code of_xlate}, before setting it. */
  public final List<@Nullable Object> seenPriv = Collections.synchronizedList(new ArrayList<>());

  private StandInDriver(String name, boolean requirePriv) {
    this.name = name;
    this.requirePriv = requirePriv;
  }

  /**
   * A driver with the lock-free {@code of_xlate_fwspec}: every cell is one ID.
   *
   * @param name the driver's name
   * @return a new driver (a new ops object: a different driver to the core)
   */
  public static StandInDriver create(String name) {
    return new Modern(name);
  }

  /**
   * A driver with the legacy {@code of_xlate} (through the device, under the probe lock).
   *
   * @param name the driver's name
   * @return a new driver
   */
  public static StandInDriver legacy(String name) {
    return new Legacy(name);
  }

  /**
   * A driver without device tree translation (devices described in a device tree get no IOMMU from
   * it; ACPI and direct fwspecs work).
   *
   * @param name the driver's name
   * @return a new driver
   */
  public static StandInDriver withoutOfXlate(String name) {
    return new StandInDriver(name, false);
  }

  /**
   * The cheapest driver that still does what a real one must (find the instance the fwspec names):
   * no device tree translation, no recording. For benchmarks, whose numbers must be about the core,
   * not about a driver's bookkeeping.
   *
   * @param name the driver's name
   * @return a new driver
   */
  public static StandInDriver minimal(String name) {
    StandInDriver d = withoutOfXlate(name);
    d.recording = false;
    return d;
  }

  /**
   * Whether this flavour translates device tree specifiers.
   *
   * @return true unless made by {@link #withoutOfXlate}
   */
  public final boolean translatesSpecifiers() {
    return this instanceof IommuOps.OfXlateFwspec || this instanceof IommuOps.LegacyOfXlate;
  }

  /**
   * Creates an instance of this driver (not registered) and remembers it by node.
   *
   * @param instanceName the instance's name
   * @param node its firmware node, or null for a bus-wide instance serving fwspec-less devices
   * @return the instance
   */
  public final IommuInstance newInstance(String instanceName, @Nullable FwNode node) {
    IommuInstance instance = new IommuInstance(instanceName, node, this);
    if (node == null) {
      nodeless = instance;
    } else {
      withNode.add(instance);
    }
    return instance;
  }

  /**
   * Creates an instance named after its node.
   *
   * @param node the firmware node
   * @return the instance, not registered
   */
  public final IommuInstance newInstance(FwNode node) {
    return newInstance(node.description(), node);
  }

  /**
   * Creates an instance with a fresh firmware node described as {@code instanceName}.
   *
   * @param instanceName the instance's and the node's name
   * @return the instance, not registered
   */
  public final IommuInstance newInstance(String instanceName) {
    return newInstance(instanceName, FwNode.create(instanceName));
  }

  private @Nullable IommuInstance byNode(FwNode node) {
    for (IommuInstance i : withNode) {
      if (i.fwNode() == node) {
        return i;
      }
    }
    return null;
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final IommuInstance probeDevice(ProbeContext ctx) throws IommuException {
    Device dev = ctx.device();
    if (recording) {
      contexts.add(ctx);
      probed.add(dev);
    }
    ProbeHook hook = probeHook;
    if (hook != null) {
      hook.run(ctx);
    }
    Errno fail = failProbeWith;
    if (fail != null) {
      throw new IommuException(fail, name + " fails every probe (" + dev + ")");
    }
    IommuFwspec fwspec = ctx.fwspec();
    IommuInstance instance;
    if (fwspec == null) {
      IommuInstance bus = nodeless;
      if (requirePriv || bus == null || !ctx.isRegistered(bus)) {
        throw new IommuException(Errno.ENODEV, dev + " has no fwspec");
      }
      instance = bus;
    } else {
      FwNode node = fwspec.iommuFwNode();
      IommuInstance mine = node == null ? null : byNode(node);
      if (fwspec.ops() != this || mine == null || !ctx.isRegistered(mine)) {
        throw new IommuException(Errno.ENODEV, dev + " is not " + name + "'s");
      }
      if (requirePriv && ctx.priv() == null) {
        throw new IommuException(Errno.ENODEV, dev + " has no private data from of_xlate");
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
      if (busyIfPrivSet && ctx.priv() != null) {
        throw new IommuException(Errno.EBUSY, dev + " already has private data");
      }
      ctx.setPriv("priv:" + dev.name());
    }
    IommuInstance forced = forceReturn;
    return forced != null ? forced : instance;
  }

  @Override
  public final void releaseDevice(ProbeContext ctx) {
    if (recording) {
      contexts.add(ctx);
      Device dev = ctx.device();
      releaseHeldLock.add(holdsLockOf(dev));
      privAtRelease.add(ctx.priv());
      released.add(dev);
    }
  }

  @Override
  public final void probeFinalize(Device dev) {
    if (recording) {
      finalizeHeldLock.add(holdsLockOf(dev));
      finalized.add(dev);
    }
  }

  /**
   * Whether this thread holds the probe lock of the device's core: a witness for the tests, read
   * through the device because a driver is not handed the core.
   */
  private static boolean holdsLockOf(Device dev) {
    IommuCore core = dev.core();
    return core != null && core.holdsProbeLock();
  }

  @Override
  public final IommuGroup deviceGroup(ProbeContext ctx) throws IommuException {
    Errno fail = failDeviceGroup;
    if (fail != null) {
      throw new IommuException(fail, "no group for " + ctx.device());
    }
    return IommuOps.super.deviceGroup(ctx);
  }

  /** The translation checks both flavours share. */
  final void checkSpecifier(ImmutableIntArray args) throws IommuException {
    Errno empty = rejectEmptySpecifier;
    if (empty != null && args.isEmpty()) {
      throw new IommuException(empty, name + ": empty specifier");
    }
    for (int i = 0; i < args.length(); i++) {
      if (rejectInXlate.contains(args.get(i))) {
        throw new IommuException(Errno.ERANGE, "cell 0x" + Integer.toHexString(args.get(i)));
      }
    }
  }

  @Override
  public final String toString() {
    return "StandInDriver[" + name + "]";
  }
}
