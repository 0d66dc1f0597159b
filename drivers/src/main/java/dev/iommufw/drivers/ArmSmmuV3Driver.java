package dev.iommufw.drivers;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

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
import java.util.HashMap;
import java.util.Map;

/**
 * Reference driver for the Arm SMMUv3 ({@code arm,smmu-v3}; kernel: {@code arm-smmu-v3}).
 *
 * <p>Device tree: one specifier cell is one stream ID ({@code of_xlate_fwspec}); a specifier with
 * no cells is rejected ({@link Errno#EINVAL}; the kernel would read an undefined cell). At probe,
 * as the hardware enforces: every stream ID must be below {@code 2^sidBits} ({@link Errno#ERANGE});
 * a stream ID already owned by another device on the same instance is {@link Errno#EINVAL} (the
 * first to bind wins), or {@link Errno#ENODEV} for the driver of Linux 6.15 and later (upstream
 * "iommu/arm-smmu-v3: Fail aliasing StreamIDs more gracefully"; see {@link
 * #ArmSmmuV3Driver(Errno)}); the same ID twice for one device is accepted (two DMA aliases mapping
 * to one stream); per-device state already set is {@link Errno#EBUSY}. A failed probe leaves
 * nothing behind.
 *
 * <p>One driver object serves one {@link IommuCore}. Thread-safe under the core's probe lock, which
 * every state-changing callback runs under.
 */
public final class ArmSmmuV3Driver implements IommuOps, IommuOps.OfXlateFwspec {
  /** The driver's name, as the reports spell it. */
  public static final String NAME = "arm-smmu-v3";

  private final DriverInstances<StreamTable> instances = new DriverInstances<>();

  /** Per-instance state: which device owns each stream ID. Guarded by the probe lock. */
  private static final class StreamTable {
    final int sidBits;
    final boolean exclusive;
    final Map<Integer, Device> owners = new HashMap<>();

    StreamTable(int sidBits, boolean exclusive) {
      this.sidBits = sidBits;
      this.exclusive = exclusive;
    }
  }

  private final Errno sharedStreamError;

  /**
   * Creates the driver with no instances; a stream ID another device owns is {@link Errno#EINVAL}.
   */
  public ArmSmmuV3Driver() {
    this(Errno.EINVAL);
  }

  /**
   * Creates the driver with no instances.
   *
   * @param sharedStreamError what {@code probe_device} answers for a stream ID another device on
   *     the instance owns: {@link Errno#EINVAL} (before Linux 6.15) or {@link Errno#ENODEV} (from
   *     6.15, where the core's registration walk ignores it)
   * @throws IllegalArgumentException for any other error
   */
  public ArmSmmuV3Driver(Errno sharedStreamError) {
    checkNotNull(sharedStreamError);
    checkArgument(
        sharedStreamError == Errno.EINVAL || sharedStreamError == Errno.ENODEV,
        "a shared stream ID is EINVAL or ENODEV, not %s",
        sharedStreamError);
    this.sharedStreamError = sharedStreamError;
  }

  @Override
  public String name() {
    return NAME;
  }

  /**
   * Creates an instance of this driver for an SMMU; register it with {@link
   * IommuCore#registerInstance}.
   *
   * @param name the instance name, for example {@code smmu3.0x0000000009050000}
   * @param node the SMMU's firmware node
   * @param sidBits the number of stream-ID bits the hardware implements, 0–32
   * @return the instance
   */
  public IommuInstance createInstance(String name, FwNode node, int sidBits) {
    checkNotNull(name);
    checkNotNull(node);
    checkArgument(sidBits >= 0 && sidBits <= 32, "sidBits out of range: %s", sidBits);
    IommuInstance instance = new IommuInstance(name, node, this);
    instances.add(instance, new StreamTable(sidBits, true));
    return instance;
  }

  /**
   * Creates an instance that accepts every fwspec: 32-bit stream IDs and no ownership check (in a
   * machine: an instance without an {@code iommu_hardware} entry, see <a
   * href="{@docRoot}/dev/iommufw/core/doc-files/machine-format.html#iommu_hardware">the
   * machine.json format</a>).
   *
   * @param name the instance name
   * @param node the SMMU's firmware node
   * @return the instance
   */
  public IommuInstance createPermissiveInstance(String name, FwNode node) {
    checkNotNull(name);
    checkNotNull(node);
    IommuInstance instance = new IommuInstance(name, node, this);
    instances.add(instance, new StreamTable(32, false));
    return instance;
  }

  @Override
  public void ofXlateFwspec(
      IommuFwspec fwspec, Device dev, FwNode iommuNode, ImmutableIntArray args)
      throws IommuException {
    checkNotNull(fwspec);
    checkNotNull(dev);
    checkNotNull(iommuNode);
    checkNotNull(args);
    if (args.isEmpty()) {
      throw new IommuException(Errno.EINVAL, "SMMUv3 specifier without cells for " + dev.name());
    }
    fwspec.appendIds(args.get(0));
  }

  @Override
  public IommuInstance probeDevice(ProbeContext ctx) throws IommuException {
    checkNotNull(ctx);
    Device dev = ctx.device();
    DriverInstances.Entry<StreamTable> entry = instances.claim(ctx, this);
    if (ctx.priv() != null) {
      throw new IommuException(Errno.EBUSY, dev.name() + " already has SMMUv3 state");
    }
    IommuFwspec fwspec = java.util.Objects.requireNonNull(ctx.fwspec());
    StreamTable table = entry.state();
    int[] sids = fwspec.ids().toArray();
    for (int sid : sids) {
      if (table.sidBits < 32 && Integer.toUnsignedLong(sid) >= 1L << table.sidBits) {
        throw new IommuException(
            Errno.ERANGE,
            String.format(
                "stream ID 0x%x of %s beyond %d SID bits", sid, dev.name(), table.sidBits));
      }
      Device owner = table.exclusive ? table.owners.get(sid) : null;
      if (owner != null && owner != dev) {
        throw new IommuException(
            sharedStreamError,
            String.format(
                "stream ID 0x%x of %s already owned by %s", sid, dev.name(), owner.name()));
      }
    }
    for (int sid : sids) {
      table.owners.put(sid, dev);
    }
    ctx.setPriv(table);
    return entry.instance();
  }

  @Override
  public void releaseDevice(ProbeContext ctx) {
    checkNotNull(ctx);
    Object priv = ctx.priv();
    if (priv instanceof StreamTable table) {
      Device dev = ctx.device();
      table.owners.values().removeIf(owner -> owner == dev);
    }
  }

  @Override
  public IommuGroup deviceGroup(ProbeContext ctx) {
    checkNotNull(ctx);
    return DriverInstances.deviceGroup(ctx);
  }

  /**
   * Whether this driver's {@code probe_device} has run on the device, successfully or not: a
   * configure failure that happened before the fwspec reached the driver is the glue's, one after
   * is the hardware's.
   *
   * @param dev a device
   * @return true once probed
   */
  public boolean probed(Device dev) {
    return instances.probed(dev);
  }
}
