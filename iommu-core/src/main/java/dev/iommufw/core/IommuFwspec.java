package dev.iommufw.core;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.primitives.ImmutableIntArray;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * Which IOMMU instance translates a device's DMA, and with which IDs (kernel: {@code struct
 * iommu_fwspec}).
 *
 * <p><b>Ownership.</b> A fwspec is created by {@link IommuCore#allocFwspec()} (kernel: {@code
 * iommu_fwspec_alloc()}) in state {@link FwspecState#BUILDING}, owned by the firmware glue that
 * allocated it. The glue fills it off the device, without any lock: the core records the IOMMU
 * ({@link IommuCore#fwspecAssignIommu}), a driver translates specifier cells into IDs ({@link
 * #appendIds}). The formed fwspec is then handed to {@link IommuCore#probeDevice(Device,
 * IommuFwspec)}, which consumes it on every path: it becomes {@link FwspecState#INSTALLED} in the
 * device, or {@link FwspecState#FREED}. A fwspec that is never handed off must be freed with {@link
 * #dealloc()} (kernel: {@code iommu_fwspec_dealloc()}); try-with-resources does that automatically,
 * because {@link #close()} frees a fwspec that is still {@code BUILDING} and does nothing to one
 * that was handed off:
 *
 * <pre>{@code
 * try (IommuFwspec fwspec = core.allocFwspec()) {
 *   core.fwspecAssignIommu(fwspec, dev, smmuNode);
 *   fwspec.appendIds(0x10);
 *   return core.probeDevice(dev, fwspec);   // ownership passes here, whatever the result
 * }
 * }</pre>
 *
 * <p><b>Misuse fails loudly.</b> Changing a fwspec that is not {@code BUILDING} (appending to an
 * installed fwspec, use after hand-off), freeing it twice, handing it off twice, or reading a
 * {@code FREED} fwspec throws {@link IllegalStateException}. An installed fwspec is immutable and
 * may be read by anyone who holds it while it stays installed.
 *
 * <p><b>IDs</b> are an ordered list of u32 values (Java {@code int}, compared unsigned where it
 * matters) kept unboxed; duplicates are allowed and do occur (two DMA aliases mapping to one ID).
 * Appending never changes earlier IDs nor the fwspec's identity (as in "iommu: Make
 * iommu_fwspec-&gt;ids a distinct allocation"; growing past one ID keeps every earlier ID and
 * copies the caller's IDs in order).
 *
 * <p><b>Threads.</b> While building, a fwspec is confined to its owner and not synchronised; state
 * transitions themselves are atomic, so concurrent misuse (two hand-offs) is still caught.
 */
public final class IommuFwspec implements AutoCloseable {
  /** {@code IOMMU_FWSPEC_PCI_RC_ATS}: the PCI root complex supports ATS. */
  public static final int FLAG_PCI_RC_ATS = 1;

  /** {@code IOMMU_FWSPEC_PCI_RC_CANWBS} (bit 1): reserved here so that it is not reused. */
  public static final int FLAG_PCI_RC_CANWBS = 1 << 1;

  private static final int[] NO_IDS = new int[0];
  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(IommuFwspec.class, "state", FwspecState.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  // Five 4-byte fields: 32 bytes per fwspec with compressed oops, and a single ID needs no
  // array (the footprint target: at most 48 bytes + 4 per ID). Core, node and ops live in a shared
  // object.

  /** Core, IOMMU node and ops, shared with the instance's other fwspecs (see FwspecIommu). */
  private FwspecIommu iommu;

  @SuppressWarnings("UnusedVariable") // accessed through STATE
  private volatile FwspecState state = FwspecState.BUILDING;

  private int flags;

  /** The only ID while {@link #ids} is null; otherwise the number of IDs in {@link #ids}. */
  private int idOrCount;

  /**
   * Null: exactly one ID, in {@link #idOrCount}. Otherwise the IDs (spare capacity while building).
   */
  private int @Nullable [] ids = NO_IDS;

  IommuFwspec(IommuCore core) {
    this.iommu = core.unassignedFwspecIommu;
  }

  /**
   * The core this fwspec belongs to; it can only be handed to that core.
   *
   * @return the owning system
   */
  public IommuCore core() {
    return iommu.core;
  }

  /**
   * The current ownership state.
   *
   * @return the state
   */
  public FwspecState state() {
    return state;
  }

  /**
   * The firmware node of the IOMMU instance this fwspec belongs to (kernel: {@code
   * fwspec->iommu_fwnode}): that of the first IOMMU recorded, or null before any was.
   *
   * @return the node, or null
   * @throws IllegalStateException if the fwspec was freed
   */
  public @Nullable FwNode iommuFwNode() {
    checkReadable();
    return iommu.node;
  }

  /**
   * The ops of the driver that owns the IOMMU (kernel: {@code fwspec->ops}), or null before an
   * IOMMU was recorded. Drivers compare this with their own ops to decide whether a device is
   * theirs.
   *
   * @return the ops, or null
   * @throws IllegalStateException if the fwspec was freed
   */
  public @Nullable IommuOps ops() {
    checkReadable();
    return iommu.ops;
  }

  /**
   * The flag word ({@link #FLAG_PCI_RC_ATS}, …).
   *
   * @return the flags
   * @throws IllegalStateException if the fwspec was freed
   */
  public int flags() {
    checkReadable();
    return flags;
  }

  /**
   * Whether every bit of {@code flag} is set.
   *
   * @param flag one or more flag bits
   * @return true if all are set
   * @throws IllegalStateException if the fwspec was freed
   */
  public boolean hasFlag(int flag) {
    return (flags() & flag) == flag;
  }

  /**
   * The number of IDs (kernel: {@code num_ids}).
   *
   * @return the count
   * @throws IllegalStateException if the fwspec was freed
   */
  public int numIds() {
    checkReadable();
    return ids == null ? 1 : idOrCount;
  }

  /**
   * One ID.
   *
   * @param index 0 ≤ index &lt; {@link #numIds()}
   * @return the ID (a u32 held in an {@code int})
   * @throws IndexOutOfBoundsException if index is out of range
   * @throws IllegalStateException if the fwspec was freed
   */
  public int id(int index) {
    checkReadable();
    int[] a = ids;
    if (a == null) {
      java.util.Objects.checkIndex(index, 1);
      return idOrCount;
    }
    java.util.Objects.checkIndex(index, idOrCount);
    return a[index];
  }

  /**
   * The IDs, in append order, as an immutable snapshot (the type {@link IommuBinding#ids()} has).
   *
   * @return the IDs
   * @throws IllegalStateException if the fwspec was freed
   */
  public ImmutableIntArray ids() {
    checkReadable();
    return immutableIds();
  }

  /**
   * Appends IDs in order (kernel: {@code iommu_fwspec_append_ids()}). Earlier IDs stay unchanged
   * and so does the fwspec's identity. Appending nothing changes nothing. No lock is needed: the
   * caller owns the fwspec.
   *
   * @param newIds the IDs to append
   * @throws IllegalStateException if the fwspec is not {@link FwspecState#BUILDING} (installed,
   *     handed off or freed)
   */
  public void appendIds(int... newIds) {
    checkBuilding("append IDs to");
    if (newIds.length == 0) {
      return;
    }
    int[] a = ids;
    int count = a == null ? 1 : idOrCount;
    int needed = count + newIds.length;
    if (needed == 1) { // the common case: one ID, kept inline
      ids = null;
      idOrCount = newIds[0];
      return;
    }
    if (a == null) {
      a = new int[Math.max(needed, 2)];
      a[0] = idOrCount;
    } else if (needed > a.length) {
      // Grow geometrically, so that many single appends stay linear; install() trims.
      a = Arrays.copyOf(a, Math.max(needed, a.length * 2));
    }
    System.arraycopy(newIds, 0, a, count, newIds.length);
    ids = a;
    idOrCount = needed;
  }

  /**
   * Sets flag bits (for example {@link #FLAG_PCI_RC_ATS} from the IORT root complex).
   *
   * @param flag the bits to set
   * @throws IllegalStateException if the fwspec is not {@link FwspecState#BUILDING}
   */
  public void addFlags(int flag) {
    checkBuilding("set flags on");
    flags |= flag;
  }

  /**
   * Frees a fwspec the caller still owns (kernel: {@code iommu_fwspec_dealloc()}).
   *
   * @throws IllegalStateException if it is not {@link FwspecState#BUILDING}: a double free, or
   *     freeing a fwspec that was handed to the core
   */
  public void dealloc() {
    if (!STATE.compareAndSet(this, FwspecState.BUILDING, FwspecState.FREED)) {
      throw new IllegalStateException(
          "fwspec is " + state + ": double free, or freeing a fwspec handed to the core");
    }
    releaseByOwner();
  }

  /**
   * Frees the fwspec if the caller still owns it; does nothing once it was handed off or freed.
   * This makes try-with-resources free exactly what was not handed to the core.
   */
  @Override
  public void close() {
    if (STATE.compareAndSet(this, FwspecState.BUILDING, FwspecState.FREED)) {
      releaseByOwner();
    }
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("IommuFwspec{").append(state);
    FwNode node = iommu.node;
    if (node != null) {
      sb.append(", iommu=").append(node.description());
    }
    sb.append(", ids=[");
    int[] a = ids;
    int count = a == null ? 1 : idOrCount;
    for (int i = 0; i < count; i++) {
      int id = a == null ? idOrCount : a[i];
      sb.append(i == 0 ? "" : ", ").append("0x").append(Integer.toHexString(id));
    }
    return sb.append("], flags=0x").append(Integer.toHexString(flags)).append('}').toString();
  }

  // ---- core-private transitions -------------------------------------------------------------

  /** Records the IOMMU (kernel: the tail of {@code iommu_fwspec_assign_iommu()}). */
  void assign(FwspecIommu recorded) {
    checkBuilding("assign an IOMMU to");
    checkArgument(iommu.node == null, "IOMMU already recorded");
    checkArgument(recorded.core == iommu.core && recorded.node != null, "not this core's IOMMU");
    Device parked = iommu.parkedOn;
    iommu = parked == null ? recorded : recorded.parkedOn(parked);
  }

  /** The IDs as the binding publishes them; for an installed fwspec, under the probe lock. */
  private ImmutableIntArray immutableIds() {
    int[] a = ids;
    if (a == null) {
      return ImmutableIntArray.of(idOrCount);
    }
    return ImmutableIntArray.copyOf(a.length == idOrCount ? a : Arrays.copyOf(a, idOrCount));
  }

  /** Takes ownership at hand-off: BUILDING → INSTALLED. */
  void install() {
    if (!STATE.compareAndSet(this, FwspecState.BUILDING, FwspecState.INSTALLED)) {
      throw new IllegalStateException(
          "fwspec is " + state + ": handed off twice, or used after hand-off");
    }
    int[] a = ids;
    if (a != null && a.length != idOrCount) {
      ids = Arrays.copyOf(a, idOrCount); // installed fwspecs are immutable: drop spare capacity
    }
    iommu = iommu.shared; // the parked device no longer matters once handed off
  }

  /** Consumes a fwspec at hand-off without installing it: BUILDING → FREED. */
  void discardAtHandoff() {
    if (!STATE.compareAndSet(this, FwspecState.BUILDING, FwspecState.FREED)) {
      throw new IllegalStateException(
          "fwspec is " + state + ": handed off twice, or used after hand-off");
    }
    release();
  }

  /** Frees an installed fwspec (release, unregister, probe failure): INSTALLED → FREED. */
  void freeInstalled() {
    if (!STATE.compareAndSet(this, FwspecState.INSTALLED, FwspecState.FREED)) {
      throw new IllegalStateException("core freeing a fwspec that is " + state);
    }
    release();
  }

  /** Records that a legacy {@code of_xlate} parked this fwspec in {@code dev}. */
  void parkedOn(Device dev) {
    iommu = iommu.shared.parkedOn(dev);
  }

  /** The owner frees it: configuration failed, so legacy translation state goes too. */
  private void releaseByOwner() {
    Device dev = iommu.parkedOn;
    IommuCore core = iommu.core;
    release();
    if (dev != null) {
      core.discardProvisional(dev);
    }
  }

  private void release() {
    ids = NO_IDS;
    idOrCount = 0;
    IommuCore core = iommu.core;
    iommu = core.unassignedFwspecIommu; // reads throw from now on; drop the IOMMU anyway
    core.countFree();
  }

  private void checkBuilding(String action) {
    FwspecState s = state;
    if (s != FwspecState.BUILDING) {
      throw new IllegalStateException("cannot " + action + " a fwspec that is " + s);
    }
  }

  private void checkReadable() {
    if (state == FwspecState.FREED) {
      throw new IllegalStateException("fwspec used after free");
    }
  }
}
