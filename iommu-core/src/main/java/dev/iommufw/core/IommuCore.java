package dev.iommufw.core;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableList;
import com.google.common.primitives.ImmutableIntArray;
import com.google.errorprone.annotations.CanIgnoreReturnValue;
import dev.iommufw.core.pci.Bdf;
import dev.iommufw.core.pci.PciFunction;
import dev.iommufw.core.pci.PciTopology;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * One system's IOMMU core: the registry of IOMMU instances, the devices, and the probe lock
 * (kernel: {@code drivers/iommu/iommu.c} with the "on-stack fwspec" redesign applied).
 *
 * <p>There is no global state: every {@code IommuCore} is an independent system, and a device,
 * fwspec or instance belongs to at most one.
 *
 * <h2>The redesigned flow</h2>
 *
 * The firmware glue allocates a fwspec with {@link #allocFwspec()}, fills it off the device
 * (recording the IOMMU with {@link #fwspecAssignIommu} or {@link #fwspecOfXlate}, appending IDs),
 * and hands the formed fwspec to {@link #probeDevice(Device, IommuFwspec)}, which installs it into
 * the device and runs the driver's {@code probe_device} under the probe lock. Nothing outside the
 * core touches a device's IOMMU slot.
 *
 * <h2>Locks and owners</h2>
 *
 * <ul>
 *   <li><b>Probe lock</b> (kernel: {@code iommu_probe_device_lock}): guards every device's IOMMU
 *       slot ({@code dev->iommu}: installed fwspec, instance, driver-private data), group
 *       membership and each instance's bound-device set. Probe, release and unregistration all take
 *       it, which also closes the release-versus-probe window the series left open (a release
 *       racing a probe of the same device). Drivers reach the slot only through the {@link
 *       ProbeContext} the core hands to their callbacks, which checks the lock when the core opens
 *       it, as the series' lockdep annotations do.
 *   <li><b>Registry lock</b> (kernel: {@code iommu_device_lock}): guards the instance registry, the
 *       device list and the index of devices waiting for an instance. It is a leaf lock, never held
 *       while calling a driver or the glue; it may be taken while holding the probe lock, never the
 *       other way round.
 *   <li>A {@link FwspecState#BUILDING} fwspec is owned by the glue that allocated it and needs no
 *       lock.
 * </ul>
 *
 * <h2>Deferral</h2>
 *
 * When the glue's {@link DmaConfigure} step answers {@link DmaConfigureResult.Deferred}, {@link
 * #dmaConfigure(Device)} indexes the device under the instance node it waits for; registering that
 * instance retries exactly those devices (the kernel's deferred-probe retry, without a walk over
 * all devices). Changing the {@link DeferralPolicy} away from {@code BOOTING} retries every waiting
 * device, which then stops waiting (kernel: the deferred-probe timeout).
 *
 * <h2>Probe flows</h2>
 *
 * The {@link ProbeFlow} chosen at construction decides where a fwspec is born. In the default
 * {@link ProbeFlow.OffDeviceHandover} flow, described above, only the glue's hand-over creates one.
 * In the {@link ProbeFlow.FirmwareInProbe} flow (Linux 6.15 and later, upstream commit "iommu: Get
 * DT/ACPI parsing into the proper probe path"), probing a device that has no fwspec runs the
 * device's {@link DmaConfigure} step from inside the probe path, under the probe lock (kernel:
 * {@code iommu_init_device()} calling the bus's {@code dma_configure()}); so {@link #addDevice}
 * configures every device as it is added, and {@link #registerInstance} probes every device present
 * in the flow's bus order (kernel: {@code bus_iommu_probe()}) and fails on the first probe error
 * other than {@link Errno#ENODEV}, leaving the instance unregistered and the devices it had bound
 * released ({@link RegistrationResult.Aborted}). The kernel drops its probe lock around {@code
 * dma_configure()}; this core keeps it (it is reentrant), so no other probe, release or
 * unregistration interleaves with a device's configuration.
 *
 * <h2>Thread safety</h2>
 *
 * Every method may be called from any thread. These operations are <b>linearizable</b> (each takes
 * effect atomically at one point between its call and its return, so every concurrent history is
 * explained by some serial order; checked with Lincheck's model checker and stress mode over all of
 * them together): {@link #registerInstance}, {@link #unregisterInstance}, {@link #instances},
 * {@link #isRegistered}, {@link #addDevice}, {@link #removeDevice}, {@link #devices}, {@link
 * #pciDevice}, {@link #dmaConfigure}, {@link #waitingDevices}, {@link #probeDevice(Device)}, {@link
 * #probeDevice(Device, IommuFwspec)}, {@link #releaseDevice}, {@link #group}, a device's {@link
 * Device#iommuBinding()}, {@link #allocFwspec} with {@link #fwspecAssignIommu} and {@link
 * #fwspecOfXlate} (with respect to registration), {@link #setDeferralPolicy} and {@link
 * #deferralPolicy}. {@link #pciTopology} and {@link #probeFlow} are fixed at construction.
 *
 * <p>Not claimed linearizable: {@link #fwspecsAllocated()} and {@link #fwspecsFreed()} are
 * statistics counters, each exact when the system is quiescent but not read atomically with each
 * other or with the operations that change them. A driver's {@link ProbeContext} is good only
 * inside the callback it was handed to, with the probe lock held, so its accessors are serialized
 * with every probe, release and unregistration by construction; {@link #holdsProbeLock} and {@link
 * #assertProbeLockHeld} answer for the calling thread only.
 */
public final class IommuCore {
  private final ReentrantLock probeLock = new ReentrantLock();
  private final Object registryLock = new Object();

  // ---- guarded by registryLock --------------------------------------------------------------
  /** The registered instances by node, the registration walks still running, the epoch. */
  private final InstanceRegistry registry = new InstanceRegistry();

  private final Set<Device> devices = new LinkedHashSet<>();

  /** The devices waiting for an instance, by the node each waits for; the deferral policy. */
  private final DeferralIndex deferrals;

  /** How often one {@link #dmaConfigure} call retries a deferral that raced with registration. */
  private static final int MAX_RACE_RETRIES = 8;

  // ---- lock-free counters -------------------------------------------------------------------
  private final LongAdder fwspecsAllocated = new LongAdder();
  private final LongAdder fwspecsFreed = new LongAdder();
  private final AtomicInteger nextGroupId = new AtomicInteger();

  /** What a fwspec of this core shares before an IOMMU is recorded in it. */
  final FwspecIommu unassignedFwspecIommu = new FwspecIommu(this);

  /** Where fwspecs are born; fixed at construction. */
  private final ProbeFlow probeFlow;

  // ---- guarded by probeLock: the device whose DMA-configure step the probe path is running ----
  private @Nullable Device configuring;
  private @Nullable ProbeResult configuredResult;

  /** PCI devices by address, for {@link #pciDevice(Bdf)}; guarded by the registry lock. */
  private final java.util.HashMap<Bdf, Device> pciIndex = new java.util.HashMap<>();

  /** The PCI topology {@link ProbeContext#pciDeviceGroup} walks; given at construction. */
  private final @Nullable PciTopology pciTopology;

  /**
   * Creates an empty system in the {@link DeferralPolicy#BOOTING} state, with the {@link
   * ProbeFlow#offDeviceHandover()} flow and without a PCI topology (the common case; see {@link
   * #builder()} for the others).
   */
  public IommuCore() {
    this(DeferralPolicy.BOOTING);
  }

  /**
   * Creates an empty system with the {@link ProbeFlow#offDeviceHandover()} flow.
   *
   * @param deferralPolicy what a look-up of an unregistered IOMMU answers
   */
  public IommuCore(DeferralPolicy deferralPolicy) {
    this(deferralPolicy, ProbeFlow.offDeviceHandover());
  }

  /**
   * Creates an empty system in the {@link DeferralPolicy#BOOTING} state.
   *
   * @param probeFlow where fwspecs are born (see {@link ProbeFlow})
   */
  public IommuCore(ProbeFlow probeFlow) {
    this(DeferralPolicy.BOOTING, probeFlow);
  }

  /**
   * Creates an empty system without a PCI topology.
   *
   * @param deferralPolicy what a look-up of an unregistered IOMMU answers
   * @param probeFlow where fwspecs are born (see {@link ProbeFlow})
   */
  public IommuCore(DeferralPolicy deferralPolicy, ProbeFlow probeFlow) {
    this(deferralPolicy, probeFlow, null);
  }

  private IommuCore(
      DeferralPolicy deferralPolicy, ProbeFlow probeFlow, @Nullable PciTopology pciTopology) {
    this.deferrals = new DeferralIndex(checkNotNull(deferralPolicy));
    this.probeFlow = checkNotNull(probeFlow);
    this.pciTopology = pciTopology;
  }

  /**
   * The probe flow chosen at construction.
   *
   * @return the flow
   */
  public ProbeFlow probeFlow() {
    return probeFlow;
  }

  /**
   * Starts building a system whose fixed parts are given up front: {@code
   * IommuCore.builder().pciTopology(t).probeFlow(f).deferralPolicy(p).build()}.
   *
   * @return a builder with the defaults of {@link #IommuCore()}
   */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds an {@link IommuCore}. Not thread-safe. */
  public static final class Builder {
    private DeferralPolicy deferralPolicy = DeferralPolicy.BOOTING;
    private ProbeFlow probeFlow = ProbeFlow.offDeviceHandover();
    private @Nullable PciTopology pciTopology;

    private Builder() {}

    /**
     * Sets the initial deferral policy (default {@link DeferralPolicy#BOOTING}); it can change
     * later with {@link IommuCore#setDeferralPolicy}.
     *
     * @param policy the policy
     * @return this builder
     */
    @CanIgnoreReturnValue
    public Builder deferralPolicy(DeferralPolicy policy) {
      this.deferralPolicy = checkNotNull(policy);
      return this;
    }

    /**
     * Sets where fwspecs are born (default {@link ProbeFlow#offDeviceHandover()}).
     *
     * @param flow the probe flow
     * @return this builder
     */
    @CanIgnoreReturnValue
    public Builder probeFlow(ProbeFlow flow) {
      this.probeFlow = checkNotNull(flow);
      return this;
    }

    /**
     * Sets the PCI topology that {@link ProbeContext#pciDeviceGroup} walks (default: none). It is
     * fixed for the system's life, so every PCI device probes against the same topology.
     *
     * @param topology the system's PCI functions and bridges
     * @return this builder
     */
    @CanIgnoreReturnValue
    public Builder pciTopology(PciTopology topology) {
      this.pciTopology = checkNotNull(topology);
      return this;
    }

    /**
     * Builds the system.
     *
     * @return a new, empty system
     */
    public IommuCore build() {
      return new IommuCore(deferralPolicy, probeFlow, pciTopology);
    }
  }

  // ============================================================================================
  // Locking
  // ============================================================================================

  /**
   * Whether the current thread holds this core's probe lock.
   *
   * @return true if held
   */
  public boolean holdsProbeLock() {
    return probeLock.isHeldByCurrentThread();
  }

  /**
   * Fails unless the current thread holds the probe lock (the series' lockdep assertions).
   *
   * @throws IllegalStateException if the lock is not held
   */
  public void assertProbeLockHeld() {
    if (!probeLock.isHeldByCurrentThread()) {
      throw new IllegalStateException(
          "iommu_probe_device_lock not held by " + Thread.currentThread().getName());
    }
  }

  // ============================================================================================
  // fwspec allocation and building (no lock: the caller owns the fwspec)
  // ============================================================================================

  /**
   * Allocates an empty fwspec owned by the caller (kernel: {@code iommu_fwspec_alloc()}). It must
   * be handed to {@link #probeDevice(Device, IommuFwspec)} or freed ({@link IommuFwspec#dealloc()}
   * or {@link IommuFwspec#close()}).
   *
   * @return a new {@link FwspecState#BUILDING} fwspec
   */
  public IommuFwspec allocFwspec() {
    fwspecsAllocated.increment();
    return new IommuFwspec(this);
  }

  /**
   * The number of fwspecs allocated so far.
   *
   * @return the count
   */
  public long fwspecsAllocated() {
    return fwspecsAllocated.sum();
  }

  /**
   * The number of fwspecs freed so far (by their owner or by the core).
   *
   * @return the count
   */
  public long fwspecsFreed() {
    return fwspecsFreed.sum();
  }

  void countFree() {
    fwspecsFreed.increment();
  }

  /**
   * Records which IOMMU a fwspec belongs to (kernel: {@code iommu_fwspec_assign_iommu()} from
   * "iommu: Add iommu_fwspec_alloc/dealloc()"; unlike the posted code, a second IOMMU whose driver
   * has not registered yet defers instead of failing).
   *
   * <p>For the first IOMMU: the instance registered with {@code iommuNode} must exist; its ops and
   * the node are recorded. If none is registered, the {@link DeferralPolicy} answers. In the {@link
   * ProbeFlow.FirmwareInProbe} flow, an instance whose registration is still probing the devices
   * present answers {@link Errno#EPROBE_DEFER} to every caller but that walk, unless the device is
   * already bound (kernel: the instance's {@code ready} flag, upstream "iommu: Handle yet another
   * race around registration"). For a later IOMMU of the same device: the fwspec keeps the first
   * node; an unregistered instance defers (the kernel wrongly answered {@code EINVAL}); a
   * registered instance of a different driver is {@link Errno#EINVAL}.
   *
   * @param fwspec a {@link FwspecState#BUILDING} fwspec of this core
   * @param dev the client device (for the deferral policy)
   * @param iommuNode the IOMMU's firmware node
   * @throws IommuException {@link Errno#EPROBE_DEFER} (naming {@code iommuNode}), {@link
   *     Errno#ENODEV} or {@link Errno#ETIMEDOUT} from the policy; {@link Errno#EINVAL} for a
   *     different driver
   * @throws IllegalStateException if the fwspec is not building
   */
  public void fwspecAssignIommu(IommuFwspec fwspec, Device dev, FwNode iommuNode)
      throws IommuException {
    checkNotNull(fwspec);
    checkNotNull(dev);
    checkNotNull(iommuNode);
    checkOwn(fwspec);
    if (fwspec.state() != FwspecState.BUILDING) {
      throw new IllegalStateException(
          "cannot assign an IOMMU to a fwspec that is " + fwspec.state());
    }
    IommuInstance instance;
    DeferralPolicy policy;
    boolean ready;
    synchronized (registryLock) {
      instance = registry.firstRegistered(iommuNode);
      policy = deferrals.policy();
      ready = instance == null || registry.isReady(instance);
    }
    if (!ready && !inOwnProbePath(dev) && dev.iommuBinding().isEmpty()) {
      // The instance is findable but its registration is still probing the devices present:
      // only that walk may configure a device on it (kernel: iommu_fwspec_init() deferring for
      // an instance that is not "ready").
      throw new IommuException(
          Errno.EPROBE_DEFER,
          "IOMMU " + iommuNode.description() + " of " + dev.name() + " is still registering",
          iommuNode);
    }
    if (instance == null) {
      Errno answer = policy.answer();
      throw new IommuException(
          answer,
          "IOMMU " + iommuNode.description() + " of " + dev.name() + " is not registered",
          answer == Errno.EPROBE_DEFER ? iommuNode : null);
    }
    IommuOps recorded = fwspec.ops();
    if (recorded == null) {
      fwspec.assign(instance.fwspecIommu(this));
    } else if (recorded != instance.ops()) {
      throw new IommuException(
          Errno.EINVAL,
          dev.name()
              + " names IOMMUs of different drivers: "
              + recorded.name()
              + " and "
              + instance.ops().name());
    }
  }

  /**
   * Whether a fwspec handed over for {@code dev} may be probed now: its instance is registered and
   * ready, or the calling thread is that instance's registration walk configuring {@code dev}.
   */
  private boolean readyFor(Device dev, IommuFwspec fwspec) {
    FwNode node = fwspec.iommuFwNode();
    if (node == null) {
      return true;
    }
    synchronized (registryLock) {
      IommuInstance instance = registry.firstRegistered(node);
      return instance != null && (registry.isReady(instance) || inOwnProbePath(dev));
    }
  }

  /**
   * Whether the calling thread runs {@code dev}'s DMA-configure step from the core's probe path.
   */
  private boolean inOwnProbePath(Device dev) {
    return probeLock.isHeldByCurrentThread() && configuring == dev;
  }

  /**
   * Translates one device tree specifier into the glue's fwspec (kernel: {@code
   * iommu_fwspec_of_xlate()}): records the IOMMU, then lets the driver translate the cells. Drivers
   * with {@link IommuOps.OfXlateFwspec} run without any lock; legacy {@link IommuOps.LegacyOfXlate}
   * drivers run under the probe lock with the fwspec parked in the device, and any private state
   * they leave is discarded if the translation fails.
   *
   * @param fwspec a {@link FwspecState#BUILDING} fwspec of this core
   * @param dev the client device
   * @param iommuNode the IOMMU's firmware node (already checked to be available)
   * @param args the specifier cells, at most 16
   * @throws IommuException as {@link #fwspecAssignIommu}; {@link Errno#ENODEV} if the driver has no
   *     translation; whatever the driver's translation throws
   */
  public void fwspecOfXlate(
      IommuFwspec fwspec, Device dev, FwNode iommuNode, ImmutableIntArray args)
      throws IommuException {
    checkNotNull(fwspec);
    checkNotNull(dev);
    checkNotNull(iommuNode);
    checkArgument(args.length() <= 16, "at most 16 specifier cells: %s", args.length());
    fwspecAssignIommu(fwspec, dev, iommuNode);
    IommuOps ops = checkNotNull(fwspec.ops());
    if (ops instanceof IommuOps.OfXlateFwspec xlate) {
      xlate.ofXlateFwspec(fwspec, dev, iommuNode, args);
      return;
    }
    if (!(ops instanceof IommuOps.LegacyOfXlate legacy)) {
      throw new IommuException(Errno.ENODEV, ops.name() + " has no of_xlate");
    }
    checkMember(dev);
    probeLock.lock();
    try {
      DeviceIommu slot = slotOf(dev);
      slot.parked = fwspec;
      fwspec.parkedOn(dev);
      ProbeContext ctx = new ProbeContext(this, dev);
      try {
        legacy.ofXlate(ctx, iommuNode, args);
      } catch (IommuException | RuntimeException e) {
        discardProvisionalLocked(dev); // drop the private state the driver left
        throw e;
      } finally {
        ctx.close();
        slot.parked = null;
      }
    } finally {
      probeLock.unlock();
    }
  }

  /**
   * Called when a fwspec that went through a legacy {@code of_xlate} is freed by its owner:
   * configuration failed, so the driver state that {@code of_xlate} left on the device goes too.
   */
  void discardProvisional(Device dev) {
    probeLock.lock();
    try {
      discardProvisionalLocked(dev);
    } finally {
      probeLock.unlock();
    }
  }

  /** Drops a slot that only legacy translation created: nothing installed, not probed. */
  private void discardProvisionalLocked(Device dev) {
    DeviceIommu slot = dev.iommu;
    if (slot != null && slot.fwspec == null && slot.group == null && slot.instance == null) {
      dev.iommu = null;
    }
  }

  // ============================================================================================
  // Devices
  // ============================================================================================

  /**
   * Adds a device to this system (kernel: {@code device_add()}) and, as the kernel's bus notifier
   * does with {@code iommu_probe_device()}, offers it to the bus-wide IOMMUs (instances registered
   * without a firmware node). In the {@link ProbeFlow.OffDeviceHandover} flow a firmware-described
   * device gets its IOMMU later, from {@link #dmaConfigure}, which answers what happened; in the
   * {@link ProbeFlow.FirmwareInProbe} flow the probe runs the device's DMA-configure step (see
   * {@link #probeDevice(Device)}). Whether either bound it shows in {@link Device#iommuBinding()}.
   *
   * @param dev a device not yet added to any core
   * @throws IllegalStateException if the device already belongs to a core
   */
  public void addDevice(Device dev) {
    checkNotNull(dev);
    synchronized (registryLock) {
      dev.attachTo(this);
      devices.add(dev);
      PciFunction fn = dev.pci();
      if (fn != null) {
        pciIndex.putIfAbsent(fn.bdf(), dev);
      }
    }
    probeDevice(dev); // like the bus notifier: the add does not fail
  }

  /**
   * Removes a device: releases its IOMMU state and forgets it (kernel: {@code
   * BUS_NOTIFY_REMOVED_DEVICE} → {@code iommu_release_device()}). A removed device is never bound
   * again: a configuration still in flight gets {@link ProbeResult.NoIommu} and its fwspec is
   * freed.
   *
   * @param dev a device of this core
   */
  public void removeDevice(Device dev) {
    checkMember(dev);
    probeLock.lock();
    try {
      releaseLocked(dev);
      // Under the probe lock, so a configuration still in flight cannot bind it afterwards.
      dev.markRemoved();
    } finally {
      probeLock.unlock();
    }
    synchronized (registryLock) {
      PciFunction fn = dev.pci();
      if (fn != null) {
        pciIndex.remove(fn.bdf(), dev);
      }
      devices.remove(dev);
      deferrals.remove(dev);
    }
  }

  /**
   * The devices of this system, in the order they were added.
   *
   * @return a snapshot
   */
  public ImmutableList<Device> devices() {
    synchronized (registryLock) {
      return ImmutableList.copyOf(devices);
    }
  }

  /**
   * Runs the device's DMA-configure step (kernel: {@code really_probe()} → {@code dma_configure})
   * and, if it defers, records the device as waiting for that IOMMU so that the instance's
   * registration retries it. A device without a step has no IOMMU.
   *
   * @param dev a device of this core
   * @return the step's outcome; callers may ignore it, because the core records it too (the binding
   *     is published, a deferral is indexed and retried)
   */
  @CanIgnoreReturnValue
  public DmaConfigureResult dmaConfigure(Device dev) {
    checkMember(dev);
    DmaConfigure step = dev.dmaConfigureStep();
    if (step == null) {
      return new DmaConfigureResult.NoIommu("no DMA-configure step");
    }
    if (dev.isRemoved()) {
      return new DmaConfigureResult.NoIommu(dev.name() + " was removed");
    }
    // A deferral that raced with a registration (or a policy change) is retried, a few times
    // at most: the registration drained the index before this device entered it. A deferral
    // on an instance that was already registered when the step began (a driver answering
    // EPROBE_DEFER itself), or under a final policy, is returned as is: retrying it now would
    // only spin.
    for (int attempt = 0; ; attempt++) {
      long epochBefore;
      synchronized (registryLock) {
        epochBefore = registry.epoch();
      }
      DmaConfigureResult result = step.configure(this, dev);
      if (!(result instanceof DmaConfigureResult.Deferred deferred)) {
        synchronized (registryLock) {
          deferrals.remove(dev);
        }
        return result;
      }
      FwNode node = deferred.waitingFor();
      synchronized (registryLock) {
        deferrals.remove(dev);
        IommuInstance registeredInstance = registry.firstRegistered(node);
        boolean ready = registeredInstance != null && registry.isReady(registeredInstance);
        if (dev.isRemoved()) {
          return new DmaConfigureResult.NoIommu(dev.name() + " was removed");
        }
        if (!ready && deferrals.policy() == DeferralPolicy.BOOTING) {
          // Indexed under the same lock registration drains the index with, so a
          // registration after this point sees the device waiting.
          deferrals.add(dev, node);
          return result;
        }
        if (registry.epoch() == epochBefore || attempt >= MAX_RACE_RETRIES) {
          return result;
        }
      }
    }
  }

  /**
   * The devices whose configuration waits for an instance to register, with the node each waits
   * for.
   *
   * @return a snapshot, in no particular order of nodes
   */
  public ImmutableList<Device> waitingDevices() {
    synchronized (registryLock) {
      return deferrals.snapshot();
    }
  }

  // ============================================================================================
  // Probe and release
  // ============================================================================================

  /**
   * Probes a device with whatever fwspec it already has (kernel: {@code iommu_probe_device()}).
   *
   * <p>In the {@link ProbeFlow.FirmwareInProbe} flow, a device that is not probed yet, has no
   * fwspec and has a {@link DmaConfigure} step is configured from firmware first, under the probe
   * lock (kernel: {@code __iommu_probe_device()} → {@code iommu_init_device()} → the bus's {@code
   * dma_configure()}): the outcome is then that of the fwspec the step handed over, or {@link
   * ProbeResult.NoIommu} when the step handed none over (no IOMMU, its instance not registered yet,
   * or the firmware is inconsistent; the kernel ignores {@code dma_configure()}'s own error there).
   * A step answering no IOMMU leaves the device to the instance registered without a firmware node,
   * if any.
   *
   * @param dev a device of this core
   * @return the outcome; callers may ignore it, because a bound device shows its binding in {@link
   *     Device#iommuBinding()} and any other outcome leaves no IOMMU state
   */
  @CanIgnoreReturnValue
  public ProbeResult probeDevice(Device dev) {
    return probeDevice(dev, null);
  }

  /**
   * Probes a device with a formed fwspec (kernel: {@code iommu_probe_device_fwspec()}).
   *
   * <p><b>Ownership of {@code fwspec} passes to the core on every path</b>: it is installed in the
   * device (the device is bound), or freed (the device was already probed, the fwspec has no IOMMU
   * recorded, or the driver rejected it). The caller must not touch it afterwards.
   *
   * <p>Under the probe lock: an already probed device keeps its installed fwspec and the new one is
   * freed; otherwise the fwspec is installed and the driver's {@code probe_device} and {@code
   * device_group} run. Any failure after installation undoes everything: the driver's {@code
   * release_device}, then the device's whole IOMMU slot, fwspec included, is freed. {@code
   * probe_finalize} runs after the lock is released.
   *
   * @param dev a device of this core
   * @param fwspec a {@link FwspecState#BUILDING} fwspec of this core, or null to probe with what
   *     the device has
   * @return the outcome; callers may ignore it, because a bound device shows its binding in {@link
   *     Device#iommuBinding()} and any other outcome leaves no IOMMU state
   * @throws IllegalStateException if the fwspec is not building (handed off twice, used after
   *     hand-off); if the device or fwspec belongs to another core (the fwspec is freed first)
   */
  @CanIgnoreReturnValue
  public ProbeResult probeDevice(Device dev, @Nullable IommuFwspec fwspec) {
    checkNotNull(dev);
    if (dev.core() != this || (fwspec != null && fwspec.core() != this)) {
      if (fwspec != null) {
        fwspec.close();
      }
      throw new IllegalStateException(dev + " or its fwspec belongs to another core");
    }
    ProbeResult result;
    IommuOps finalizeOps = null;
    probeLock.lock();
    try {
      if (fwspec == null && probeFlow instanceof ProbeFlow.FirmwareInProbe) {
        result = probeInProbePathLocked(dev);
      } else {
        result = probeLocked(dev, fwspec);
      }
      if (configuring == dev) {
        // The hand-over of a configuration the probe path runs: the outer probe reports it and
        // finalizes once the lock is released.
        configuredResult = result;
        return result;
      }
      if (result instanceof ProbeResult.Bound || result instanceof ProbeResult.AlreadyBound) {
        DeviceIommu slot = dev.iommu;
        IommuInstance instance = slot == null ? null : slot.instance;
        finalizeOps = instance == null ? null : instance.ops();
      }
    } finally {
      probeLock.unlock();
    }
    if (finalizeOps != null) {
      finalizeOps.probeFinalize(dev);
    }
    return result;
  }

  /**
   * The {@link ProbeFlow.FirmwareInProbe} probe of a device without a fwspec: runs its
   * DMA-configure step, whose hand-over re-enters {@link #probeDevice(Device, IommuFwspec)}.
   */
  private ProbeResult probeInProbePathLocked(Device dev) {
    DeviceIommu slot = dev.iommu;
    DmaConfigure step = dev.dmaConfigureStep();
    if (step == null
        || dev.isRemoved()
        || configuring == dev
        || (slot != null && (slot.fwspec != null || slot.group != null))) {
      return probeLocked(dev, null);
    }
    Device outerDevice = configuring;
    ProbeResult outerResult = configuredResult;
    configuring = dev;
    configuredResult = null;
    DmaConfigureResult configured;
    ProbeResult handedOver;
    try {
      configured = step.configure(this, dev);
      handedOver = configuredResult;
    } finally {
      configuring = outerDevice;
      configuredResult = outerResult;
    }
    if (handedOver != null) {
      return handedOver;
    }
    if (configured instanceof DmaConfigureResult.Configured c) {
      return new ProbeResult.AlreadyBound(c.binding());
    }
    if (configured instanceof DmaConfigureResult.NoIommu none) {
      return nodelessOps() != null
          ? probeLocked(dev, null)
          : new ProbeResult.NoIommu(none.reason());
    }
    if (configured instanceof DmaConfigureResult.Deferred deferred) {
      return new ProbeResult.NoIommu(
          "IOMMU " + deferred.waitingFor().description() + " is not registered yet");
    }
    return new ProbeResult.NoIommu(
        "firmware configuration failed: " + ((DmaConfigureResult.Failed) configured).reason());
  }

  private ProbeResult probeLocked(Device dev, @Nullable IommuFwspec fwspec) {
    DeviceIommu slot = dev.iommu;
    if (fwspec != null && fwspec.state() != FwspecState.BUILDING) {
      throw new IllegalStateException(
          "fwspec handed off twice, or used after hand-off: " + fwspec.state());
    }
    if (dev.isRemoved()) {
      if (fwspec != null) {
        fwspec.discardAtHandoff();
      }
      return new ProbeResult.NoIommu(dev.name() + " was removed");
    }
    // A fwspec without an IOMMU is rejected at the hand-off, and still consumed.
    if (fwspec != null && fwspec.ops() == null) {
      fwspec.discardAtHandoff();
      return new ProbeResult.NoIommu("fwspec has no IOMMU recorded");
    }
    IommuFwspec chosen = fwspec != null ? fwspec : (slot == null ? null : slot.fwspec);
    IommuOps ops = chosen != null ? chosen.ops() : nodelessOps();
    if (ops == null) {
      return new ProbeResult.NoIommu("no fwspec and no bus-wide IOMMU");
    }
    if (slot != null && slot.group != null) {
      // Already probed: keep what is installed, consume the newcomer.
      if (fwspec != null) {
        fwspec.discardAtHandoff();
      }
      IommuBinding existing = dev.iommuBinding().orElseThrow();
      return new ProbeResult.AlreadyBound(existing);
    }
    if (fwspec != null
        && probeFlow instanceof ProbeFlow.FirmwareInProbe
        && !readyFor(dev, fwspec)) {
      // Built against an instance that is not ready (its registration walk is running, or it
      // failed and was unregistered meanwhile): only that walk may bind the device now.
      ImmutableIntArray built = fwspec.ids();
      fwspec.discardAtHandoff();
      return new ProbeResult.Failed(
          Errno.EPROBE_DEFER, "the IOMMU of " + dev.name() + " is not ready", built);
    }
    slot = slotOf(dev);
    if (fwspec != null) {
      IommuFwspec stale = slot.fwspec;
      fwspec.install(); // from here on the core owns it
      slot.fwspec = fwspec;
      if (stale != null) {
        stale.freeInstalled();
      }
    }
    ImmutableIntArray ids = idsOf(slot.fwspec);
    IommuInstance instance = null;
    // One context for the driver's locked callbacks on this device, closed before the lock goes.
    ProbeContext ctx = new ProbeContext(this, dev);
    try {
      instance = ops.probeDevice(ctx);
      checkNotNull(instance, "probe_device returned null");
      if (!instance.isRegisteredIn(this) || instance.ops() != ops) {
        throw new IommuException(
            Errno.ENODEV, "probe_device chose " + instance + ", which is not registered here");
      }
      slot.instance = instance;
      IommuGroup group = checkNotNull(ops.deviceGroup(ctx), "device_group returned null");
      slot.group = group;
      group.add(dev);
      instance.bind(dev, slot);
      IommuFwspec installed = slot.fwspec;
      IommuBinding binding =
          new IommuBinding(instance, ids, installed == null ? 0 : installed.flags(), group);
      dev.publish(binding);
      return new ProbeResult.Bound(binding);
    } catch (IommuException e) {
      undoProbe(ctx, slot, instance != null ? ops : null);
      return e.errno() == Errno.ENODEV
          ? new ProbeResult.NoIommu(e.getMessage() == null ? "ENODEV" : e.getMessage(), ids)
          : new ProbeResult.Failed(e.errno(), String.valueOf(e.getMessage()), ids);
    } catch (RuntimeException | Error e) {
      undoProbe(ctx, slot, instance != null ? ops : null);
      throw e;
    } finally {
      ctx.close();
    }
  }

  /** A failed probe leaves no IOMMU state at all (see the fwspec lifecycle guide). */
  private void undoProbe(ProbeContext ctx, DeviceIommu slot, @Nullable IommuOps acceptedBy) {
    Device dev = ctx.device();
    IommuGroup group = slot.group;
    if (group != null) {
      group.remove(dev);
    }
    IommuInstance instance = slot.instance;
    if (instance != null) {
      instance.unbind(dev, slot);
    }
    if (acceptedBy != null) {
      acceptedBy.releaseDevice(ctx);
    }
    freeSlot(dev);
  }

  /**
   * Releases a device's IOMMU state (kernel: {@code iommu_release_device()}): leaves its group,
   * lets the driver release it, and frees the slot and its fwspec. Unlike the kernel, release takes
   * the probe lock, so it cannot race with a probe of the same device. Releasing a device without
   * IOMMU state does nothing.
   *
   * @param dev a device of this core
   */
  public void releaseDevice(Device dev) {
    checkMember(dev);
    probeLock.lock();
    try {
      releaseLocked(dev);
    } finally {
      probeLock.unlock();
    }
  }

  private void releaseLocked(Device dev) {
    DeviceIommu slot = dev.iommu;
    if (slot == null) {
      return;
    }
    IommuGroup group = slot.group;
    if (group != null) {
      group.remove(dev);
    }
    IommuInstance instance = slot.instance;
    if (instance != null) {
      instance.unbind(dev, slot);
      ProbeContext ctx = new ProbeContext(this, dev);
      try {
        instance.ops().releaseDevice(ctx);
      } finally {
        ctx.close();
      }
    }
    freeSlot(dev);
  }

  /** Kernel: {@code dev_iommu_free()}; clears the slot first, then frees what it held. */
  private void freeSlot(Device dev) {
    DeviceIommu slot = dev.iommu;
    dev.iommu = null;
    dev.publish(null);
    if (slot != null) {
      IommuFwspec installed = slot.fwspec;
      slot.fwspec = null;
      slot.instance = null;
      slot.group = null;
      slot.priv = null;
      if (installed != null) {
        installed.freeInstalled();
      }
    }
  }

  // ============================================================================================
  // Groups
  // ============================================================================================

  /** A new empty group with the next id (kernel: {@code generic_device_group()}). */
  IommuGroup newGroup() {
    return new IommuGroup(nextGroupId.getAndIncrement());
  }

  /**
   * The PCI topology given at construction ({@link Builder#pciTopology}).
   *
   * @return the topology, or null
   */
  public @Nullable PciTopology pciTopology() {
    return pciTopology;
  }

  /**
   * The PCI device of this core at an address (the first added, if several claim it).
   *
   * @param bdf the function's address
   * @return the device, or null
   */
  public @Nullable Device pciDevice(Bdf bdf) {
    checkNotNull(bdf);
    synchronized (registryLock) {
      return pciIndex.get(bdf);
    }
  }

  /**
   * A device's group, read under the probe lock (kernel: {@code iommu_group_get()}).
   *
   * @param dev a device of this core
   * @return the group, or null if the device is not probed
   */
  public @Nullable IommuGroup group(Device dev) {
    checkMember(dev);
    probeLock.lock();
    try {
      DeviceIommu slot = dev.iommu;
      return slot == null ? null : slot.group;
    } finally {
      probeLock.unlock();
    }
  }

  // ============================================================================================
  // Instances
  // ============================================================================================

  /**
   * Registers an IOMMU instance (kernel: {@code iommu_device_register()}). From then on the glue
   * finds it by its firmware node (the first registered instance with a node wins).
   *
   * <p>In the {@link ProbeFlow.OffDeviceHandover} flow, devices whose configuration waits for that
   * node are then configured again, in the order they deferred; an instance without a node probes
   * every device that is not bound yet (the kernel's bus walk, which only such instances can
   * satisfy), and a failure there is thrown.
   *
   * <p>In the {@link ProbeFlow.FirmwareInProbe} flow, every device present is probed (kernel:
   * {@code bus_iommu_probe()}, each probe under the probe lock), in the flow's bus order; a device
   * without a fwspec is configured from firmware by that probe ({@link #probeDevice(Device)}).
   * {@link Errno#ENODEV} is ignored. The first other probe error ends the registration: the
   * instance is unregistered, the devices the walk bound to it are released, and the result is
   * {@link RegistrationResult.Aborted}; devices waiting for the node keep waiting. On success the
   * waiting devices are configured again, as in the other flow.
   *
   * @param instance an instance not registered anywhere
   * @return {@link RegistrationResult.Registered}, or {@link RegistrationResult.Aborted} (only in
   *     the {@link ProbeFlow.FirmwareInProbe} flow, so a caller that built the core with the
   *     default flow may ignore the result; {@link #isRegistered} answers the same later)
   * @throws IommuException in the {@link ProbeFlow.OffDeviceHandover} flow, if the bus walk of an
   *     instance without a node hit an error other than {@link Errno#ENODEV}; the instance is then
   *     unregistered again
   * @throws IllegalStateException if the instance is already registered, or was unregistered while
   *     the walk of its previous registration still runs (in the {@link ProbeFlow.FirmwareInProbe}
   *     flow; register it again once that walk has ended)
   */
  @CanIgnoreReturnValue
  public RegistrationResult registerInstance(IommuInstance instance) throws IommuException {
    checkNotNull(instance);
    if (probeFlow instanceof ProbeFlow.FirmwareInProbe flow) {
      return registerProbingAll(instance, flow);
    }
    List<Device> retry;
    List<Device> walk = List.of();
    synchronized (registryLock) {
      registry.register(instance, this, /* walking= */ false);
      FwNode node = instance.fwNode();
      if (node == null) {
        walk = new ArrayList<>(devices);
        retry = List.of();
      } else {
        retry = deferrals.takeWaitingFor(node);
      }
    }
    for (Device dev : walk) {
      ProbeResult r;
      try {
        r = probeDevice(dev);
      } catch (RuntimeException | Error e) {
        abortRegistration(instance, false); // a crashing driver aborts it, as an error does
        throw e;
      }
      if (r instanceof ProbeResult.Failed failed) {
        abortRegistration(instance, false);
        throw new IommuException(
            failed.error(), "bus walk failed at " + dev + ": " + failed.reason());
      }
    }
    retryAll(retry);
    return new RegistrationResult.Registered(instance);
  }

  /** {@link #registerInstance} in the {@link ProbeFlow.FirmwareInProbe} flow. */
  private RegistrationResult registerProbingAll(
      IommuInstance instance, ProbeFlow.FirmwareInProbe flow) {
    List<Device> walk;
    FwNode node = instance.fwNode();
    synchronized (registryLock) {
      registry.register(instance, this, /* walking= */ true);
      walk = new ArrayList<>(devices);
    }
    walk.sort(flow.busOrder()); // stable: devices ranked equal keep their order of addition
    for (Device dev : walk) {
      if (dev.isRemoved()) {
        continue;
      }
      ProbeResult r;
      try {
        r = probeDevice(dev);
      } catch (RuntimeException | Error e) {
        abortRegistration(instance, true); // a crashing driver aborts it, as an error does
        throw e;
      }
      if (r instanceof ProbeResult.Failed failed) {
        ImmutableList<Device> released = abortRegistration(instance, true);
        return new RegistrationResult.Aborted(
            instance, dev, failed.error(), failed.reason(), failed.ids(), released);
      }
    }
    List<Device> retry;
    synchronized (registryLock) {
      registry.markReady(instance); // from now on every caller may configure on it
      retry = node == null ? List.of() : deferrals.takeWaitingFor(node);
    }
    retryAll(retry);
    return new RegistrationResult.Registered(instance);
  }

  /**
   * Ends a registration whose walk failed, in one step under the probe lock: releases the devices
   * bound to the instance, unregisters it and, in the same registry-lock section, ends its walk, so
   * that no caller sees the instance unregistered but still walking, or registered again before the
   * walk ended. The instance may have been unregistered meanwhile by {@link #unregisterInstance} on
   * another thread (it cannot be registered again while its walk runs); then only the walk ends.
   *
   * @param walking whether the registration set a walk mark ({@link ProbeFlow.FirmwareInProbe})
   * @return the devices released, in binding order
   */
  @CanIgnoreReturnValue
  private ImmutableList<Device> abortRegistration(IommuInstance instance, boolean walking) {
    probeLock.lock();
    try {
      boolean registered = instance.isRegisteredIn(this);
      ImmutableList<Device> released =
          registered ? ImmutableList.copyOf(instance.boundDevices()) : ImmutableList.of();
      for (Device dev : released) {
        releaseLocked(dev);
      }
      synchronized (registryLock) {
        if (registered) {
          registry.unregister(instance);
        }
        if (walking) {
          registry.abandonWalk(instance);
        }
      }
      return released;
    } finally {
      probeLock.unlock();
    }
  }

  /**
   * Configures each device again. A crashing driver or glue on one device does not cost the others
   * their retry: the first such exception is rethrown after all were tried.
   */
  private void retryAll(List<Device> retry) {
    RuntimeException first = null;
    for (Device dev : retry) {
      try {
        if (!dev.isRemoved()) {
          dmaConfigure(dev);
        }
      } catch (RuntimeException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  /**
   * Unregisters an instance (kernel: {@code iommu_device_unregister()}): every device bound to it
   * is released — losing its fwspec — and the instance leaves the registry. Runs under the probe
   * lock, so no probe can bind a device to the instance meanwhile, and no device is left pointing
   * at it. Devices are not re-probed automatically.
   *
   * @param instance an instance registered in this core
   * @throws IllegalStateException if it is not registered here
   */
  public void unregisterInstance(IommuInstance instance) {
    probeLock.lock();
    try {
      if (!instance.isRegisteredIn(this)) {
        throw new IllegalStateException(instance + " is not registered in this core");
      }
      for (Device dev : instance.boundDevices()) {
        releaseLocked(dev);
      }
      synchronized (registryLock) {
        registry.unregister(instance);
      }
    } finally {
      probeLock.unlock();
    }
  }

  /**
   * The registered instances, in registration order.
   *
   * @return a snapshot
   */
  public ImmutableList<IommuInstance> instances() {
    synchronized (registryLock) {
      return registry.snapshot();
    }
  }

  /**
   * Whether an instance with this firmware node is registered (the glue's look-up of {@code
   * iommu_ops_from_fwnode()}, reduced to the question the glue may ask).
   *
   * @param node an IOMMU's firmware node
   * @return true if registered
   */
  public boolean isRegistered(FwNode node) {
    checkNotNull(node);
    synchronized (registryLock) {
      return registry.firstRegistered(node) != null;
    }
  }

  /**
   * The current deferral policy.
   *
   * @return the policy
   */
  public DeferralPolicy deferralPolicy() {
    synchronized (registryLock) {
      return deferrals.policy();
    }
  }

  /**
   * Changes the deferral policy. Leaving {@link DeferralPolicy#BOOTING} retries every waiting
   * device, which then gets {@link Errno#ENODEV} or {@link Errno#ETIMEDOUT} for IOMMUs that never
   * registered (kernel: the deferred-probe timeout firing).
   *
   * @param policy the new policy
   */
  public void setDeferralPolicy(DeferralPolicy policy) {
    checkNotNull(policy);
    List<Device> retry;
    synchronized (registryLock) {
      retry = deferrals.setPolicy(policy);
      registry.bumpEpoch();
    }
    retryAll(retry);
  }

  // ============================================================================================
  // Internals
  // ============================================================================================

  private @Nullable IommuOps nodelessOps() {
    synchronized (registryLock) {
      return registry.nodelessOps();
    }
  }

  /**
   * Kernel: {@code dev_iommu_get()}; asserts the probe lock as "iommu: Mark dev_iommu_get() with
   * lockdep" does.
   */
  private DeviceIommu slotOf(Device dev) {
    assertProbeLockHeld();
    DeviceIommu slot = dev.iommu;
    if (slot == null) {
      slot = new DeviceIommu();
      dev.iommu = slot;
    }
    return slot;
  }

  private static ImmutableIntArray idsOf(@Nullable IommuFwspec fwspec) {
    return fwspec == null ? ImmutableIntArray.of() : fwspec.ids();
  }

  private void checkMember(Device dev) {
    if (dev.core() != this) {
      throw new IllegalStateException(dev + " does not belong to this core");
    }
  }

  private void checkOwn(IommuFwspec fwspec) {
    if (fwspec.core() != this) {
      throw new IllegalStateException("fwspec belongs to another core");
    }
  }
}
