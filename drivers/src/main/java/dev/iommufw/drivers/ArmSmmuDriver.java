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
import dev.iommufw.of.FdtNode;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.jspecify.annotations.Nullable;

/**
 * Reference driver for the Arm SMMU v1/v2 family ({@code arm,smmu-v1}, {@code arm,smmu-v2}, {@code
 * arm,mmu-400/401/500}, {@code qcom,smmu-v2}, …; kernel: {@code arm-smmu}).
 *
 * <p>Device tree: each specifier becomes one 32-bit word, stream ID in bits 15:0 and SMR mask in
 * bits 31:16 ({@link #fwid(FwNode, ImmutableIntArray)}): the mask is the second cell when there are
 * two, else the SMMU node's {@code stream-match-mask} property, else 0; higher bits of the cells
 * are dropped.
 *
 * <p>At probe, each word is matched against the instance's stream-match registers (kernel: {@code
 * arm_smmu_master_alloc_smes()} and {@code arm_smmu_find_sme()}): stream ID bits outside the
 * implemented ID mask or mask bits outside the implemented SMR mask are {@link Errno#EINVAL}; an
 * existing entry that fully covers the word is shared; a partial overlap is {@link Errno#EINVAL};
 * otherwise the first free entry is taken, or {@link Errno#ENOSPC}. Two words of one device may
 * share an entry (it is reference counted). An instance without SMRs uses stream indexing. Failure
 * undoes everything taken for the device.
 *
 * <p>One driver object serves one {@link IommuCore}.
 */
public final class ArmSmmuDriver implements IommuOps, IommuOps.OfXlateFwspec {
  /** The driver's name, as the reports spell it. */
  public static final String NAME = "arm-smmu";

  private final DriverInstances<SmrTable> instances = new DriverInstances<>();

  /** Per-instance stream-match state; guarded by the probe lock. */
  private static final class SmrTable {
    final int streamIdMask;
    final int smrMaskMask;
    final boolean[] valid;
    final int[] id;
    final int[] mask;
    final int[] refs;

    SmrTable(int numSmrs, int streamIdMask, int smrMaskMask) {
      this.streamIdMask = streamIdMask;
      this.smrMaskMask = smrMaskMask;
      valid = new boolean[numSmrs];
      id = new int[numSmrs];
      mask = new int[numSmrs];
      refs = new int[numSmrs];
    }
  }

  /** Creates the driver with no instances. */
  public ArmSmmuDriver() {}

  @Override
  public String name() {
    return NAME;
  }

  /**
   * Creates an instance with 128 stream-match registers and 16-bit stream IDs and masks.
   *
   * @param name the instance name, for example {@code smmu.0x0000000009050000}
   * @param node the SMMU's firmware node
   * @return the instance
   */
  public IommuInstance createInstance(String name, FwNode node) {
    return createInstance(name, node, 128, 0xffff, 0xffff);
  }

  /**
   * Creates an instance with the given stream-matching hardware.
   *
   * @param name the instance name
   * @param node the SMMU's firmware node
   * @param numSmrs stream-match registers, 0 for stream indexing, at most 128
   * @param streamIdMask the stream-ID bits implemented
   * @param smrMaskMask the SMR mask bits implemented
   * @return the instance
   */
  public IommuInstance createInstance(
      String name, FwNode node, int numSmrs, int streamIdMask, int smrMaskMask) {
    checkNotNull(name);
    checkNotNull(node);
    checkArgument(numSmrs >= 0 && numSmrs <= 128, "numSmrs out of range: %s", numSmrs);
    IommuInstance instance = new IommuInstance(name, node, this);
    instances.add(instance, new SmrTable(numSmrs, streamIdMask & 0xffff, smrMaskMask & 0xffff));
    return instance;
  }

  /**
   * Packs one device tree specifier into the driver's 32-bit word: {@code sid | mask << 16}.
   *
   * @param iommuNode the SMMU's node; its {@code stream-match-mask} is read when the node is backed
   *     by a device tree node and the specifier has fewer than two cells
   * @param args the specifier cells
   * @return the packed word
   */
  public static int fwid(FwNode iommuNode, ImmutableIntArray args) {
    return fwid(iommuNode.source(FdtNode.class), args);
  }

  /**
   * Packs one device tree specifier into the driver's 32-bit word: {@code sid | mask << 16}. The
   * stream ID is {@code args[0] & 0xffff} (0 without cells); the mask is {@code args[1] & 0xffff}
   * with two or more cells, else the SMMU node's {@code stream-match-mask} {@code & 0xffff}, else
   * 0.
   *
   * @param iommuNode the SMMU's device tree node, or null when there is none to read
   * @param args the specifier cells
   * @return the packed word
   */
  public static int fwid(@Nullable FdtNode iommuNode, ImmutableIntArray args) {
    int sid = args.isEmpty() ? 0 : args.get(0) & 0xffff;
    int mask = 0;
    if (args.length() >= 2) {
      mask = args.get(1) & 0xffff;
    } else if (iommuNode != null) {
      OptionalInt smm = iommuNode.u32("stream-match-mask");
      mask = smm.isPresent() ? smm.getAsInt() & 0xffff : 0;
    }
    return sid | mask << 16;
  }

  @Override
  public void ofXlateFwspec(
      IommuFwspec fwspec, Device dev, FwNode iommuNode, ImmutableIntArray args) {
    checkNotNull(fwspec);
    checkNotNull(dev);
    checkNotNull(iommuNode);
    checkNotNull(args);
    fwspec.appendIds(fwid(iommuNode, args));
  }

  @Override
  public IommuInstance probeDevice(ProbeContext ctx) throws IommuException {
    checkNotNull(ctx);
    DriverInstances.Entry<SmrTable> entry = instances.claim(ctx, this);
    IommuFwspec fwspec = java.util.Objects.requireNonNull(ctx.fwspec());
    SmrTable t = entry.state();
    List<Integer> taken = new ArrayList<>();
    try {
      for (int fwid : fwspec.ids().toArray()) {
        int sid = fwid & 0xffff;
        int mask = fwid >>> 16;
        if ((sid & ~t.streamIdMask) != 0) {
          throw new IommuException(
              Errno.EINVAL, String.format("stream ID 0x%x beyond the ID mask", sid));
        }
        if ((mask & ~t.smrMaskMask) != 0) {
          throw new IommuException(
              Errno.EINVAL, String.format("SMR mask 0x%x beyond the implemented mask", mask));
        }
        int index = t.valid.length == 0 ? -1 : findSmr(t, sid, mask);
        if (index >= 0) {
          if (!t.valid[index]) {
            t.valid[index] = true;
            t.id[index] = sid;
            t.mask[index] = mask;
          }
          t.refs[index]++;
          taken.add(index);
        }
      }
    } catch (IommuException e) {
      release(t, taken);
      throw e;
    }
    ctx.setPriv(new Taken(t, taken));
    return entry.instance();
  }

  @Override
  public void releaseDevice(ProbeContext ctx) {
    checkNotNull(ctx);
    if (ctx.priv() instanceof Taken taken) {
      release(taken.table(), taken.indices());
    }
  }

  /** The stream-match entries one device holds. */
  private record Taken(SmrTable table, List<Integer> indices) {}

  private static void release(SmrTable t, List<Integer> indices) {
    for (int index : indices) {
      if (--t.refs[index] == 0) {
        t.valid[index] = false;
      }
    }
  }

  private static int findSmr(SmrTable t, int sid, int mask) throws IommuException {
    int free = -1;
    for (int i = 0; i < t.valid.length; i++) {
      if (!t.valid[i]) {
        if (free < 0) {
          free = i;
        }
        continue;
      }
      // Entirely within an existing entry: share it.
      if ((mask & t.mask[i]) == mask && ((sid ^ t.id[i]) & ~t.mask[i]) == 0) {
        return i;
      }
      // Any other overlap would make the hardware match two entries: refuse.
      if (((sid ^ t.id[i]) & ~(t.mask[i] | mask)) == 0) {
        throw new IommuException(
            Errno.EINVAL,
            String.format("stream 0x%x/0x%x partially overlaps entry %d", sid, mask, i));
      }
    }
    if (free < 0) {
      throw new IommuException(Errno.ENOSPC, "no free stream map entry");
    }
    return free;
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
