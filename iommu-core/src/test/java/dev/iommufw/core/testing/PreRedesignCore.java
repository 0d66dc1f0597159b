package dev.iommufw.core.testing;

import dev.iommufw.core.FwNode;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The one deliberately racy model of the IOMMU core and OF glue <em>before</em> the redesign (Linux
 * 6.7-rc1), kept in test code only so that the race harness ({@code ProbeRaceTest}), the Lincheck
 * check ({@code PreRedesignLincheckTest}) and the race demo can show that they catch the original
 * probe race R1 (laid out step by step in the API guide <a
 * href="{@docRoot}/dev/iommufw/core/doc-files/probe-race.html">The original probe race</a>) and its
 * variant R2 (a probe observes a half-built fwspec: the device ends under-configured, and growing
 * the fwspec frees the array the probe still reads). {@link RaceBoot} is the demo's and Lincheck's
 * two-operation view of one boot.
 *
 * <p>What makes it racy, exactly as in [P]:
 *
 * <ul>
 *   <li>the glue ({@link #ofIommuConfigure}) writes the device's IOMMU slot <b>without any
 *       lock</b>: it allocates the slot, installs an empty fwspec, then appends IDs one by one,
 *       reallocating the fwspec each time (the old one is freed);
 *   <li>the probe lock is private to {@link #probeDevice}; the registration's bus walk probes the
 *       device under it and, when the driver does not accept what it finds (no fwspec yet, or a
 *       placeholder), frees the whole slot, fwspec included, under the glue's feet.
 * </ul>
 *
 * <p>Freed objects are marked rather than reclaimed, so a use after free throws {@link
 * IllegalStateException}; a write through a slot pointer that became null throws {@link
 * NullPointerException} (the kernel's NULL dereference). {@link Thread#yield()} between the steps
 * widens the windows. Volatile fields keep the Java memory model out of the picture: the races here
 * are the logical ones of §5.
 */
public final class PreRedesignCore {
  /** A [P] fwspec: a flexible array, reallocated (and the old copy freed) to grow. */
  public static final class Fwspec {
    /** The IOMMU node. */
    public final FwNode node;

    /** The driver ops found at init (null: a placeholder). */
    public final @Nullable Object ops;

    /** The IDs. */
    public final int[] ids;

    /** Set when freed. */
    public volatile boolean freed;

    Fwspec(FwNode node, @Nullable Object ops, int[] ids) {
      this.node = node;
      this.ops = ops;
      this.ids = ids;
    }

    void checkLive(String what) {
      if (freed) {
        throw new IllegalStateException("use-after-free: " + what + " on a freed fwspec");
      }
    }
  }

  /** A [P] {@code struct dev_iommu}. */
  public static final class DevIommu {
    /** The installed fwspec. */
    public volatile @Nullable Fwspec fwspec;

    /** Set when freed. */
    public volatile boolean freed;

    void checkLive(String what) {
      if (freed) {
        throw new IllegalStateException("use-after-free: " + what + " through a freed dev_iommu");
      }
    }
  }

  /** A [P] client device. */
  public static final class Dev {
    final String name;

    /** {@code dev->iommu}. */
    public volatile @Nullable DevIommu iommu;

    /** The group, once probed. */
    public volatile @Nullable Object group;

    /** The IDs the driver programmed, once probed. */
    public volatile int @Nullable [] boundIds;

    /**
     * A device.
     *
     * @param name its name
     */
    public Dev(String name) {
      this.name = name;
    }
  }

  /** What the configure step answered. */
  public enum Configure {
    /** Probed (bound or not). */
    CONFIGURED,
    /** Deferred: the IOMMU was not registered. */
    DEFERRED,
    /** The glue gave up (-EINVAL). */
    NO_IOMMU
  }

  /**
   * Gives the other thread a chance to run here: widens the race windows so that a few thousand
   * iterations find them (the point of this class is to be caught racing).
   */
  @SuppressWarnings("ThreadPriorityCheck")
  public static void window() {
    Thread.yield();
  }

  /** The one IOMMU driver's ops. */
  public final Object smmuOps = new Object();

  private final ReentrantLock probeLock = new ReentrantLock(); // private to probe, as in [P]
  private final List<FwNode> registry = new CopyOnWriteArrayList<>();
  private final List<Dev> bus = new CopyOnWriteArrayList<>();
  private volatile @Nullable Object busOps;

  /** Every fwspec ever allocated. */
  public final List<Fwspec> allFwspecs = new CopyOnWriteArrayList<>();

  /**
   * Adds a device to the bus.
   *
   * @param d the device
   */
  public void addDevice(Dev d) {
    bus.add(d);
  }

  /** {@code iommu_ops_from_fwnode()}. */
  private @Nullable Object lookup(FwNode node) {
    return registry.contains(node) ? smmuOps : null;
  }

  /** {@code dev_iommu_get()}: allocates the slot on demand; no lock in [P]. */
  private static DevIommu devIommuGet(Dev d) {
    DevIommu p = d.iommu;
    if (p == null) {
      p = new DevIommu();
      d.iommu = p;
    }
    return p;
  }

  /** {@code dev_iommu_free()}: clears the slot, then frees it and its fwspec. */
  private static void devIommuFree(Dev d) {
    DevIommu p = d.iommu;
    d.iommu = null;
    if (p != null) {
      Fwspec f = p.fwspec;
      p.fwspec = null;
      p.freed = true;
      if (f != null) {
        f.freed = true;
      }
    }
  }

  private Fwspec newFwspec(FwNode node, @Nullable Object ops, int[] ids) {
    Fwspec f = new Fwspec(node, ops, ids);
    allFwspecs.add(f);
    return f;
  }

  /** {@code iommu_fwspec_init()} [P]: installs an empty fwspec straight into the device. */
  private boolean fwspecInit(Dev d, FwNode node, @Nullable Object ops) {
    DevIommu existing = d.iommu;
    Fwspec current = existing == null ? null : existing.fwspec;
    if (current != null) {
      return current.ops == ops;
    }
    DevIommu p = devIommuGet(d);
    window();
    Fwspec f = newFwspec(node, ops, new int[0]);
    window();
    p.checkLive("installing the fwspec");
    p.fwspec = f;
    return true;
  }

  /** {@code iommu_fwspec_add_ids()} [P]: grows by reallocating the whole fwspec. */
  private boolean fwspecAddIds(Dev d, int id) {
    DevIommu p = d.iommu;
    if (p == null) {
      throw new NullPointerException("NULL dereference: dev->iommu vanished while adding IDs");
    }
    Fwspec f = p.fwspec;
    if (f == null) {
      return false; // -EINVAL: the device silently ends up without an IOMMU
    }
    f.checkLive("add_ids");
    int[] grown = Arrays.copyOf(f.ids, f.ids.length + 1);
    grown[f.ids.length] = id;
    Fwspec g = newFwspec(f.node, f.ops, grown);
    window();
    p.checkLive("storing the grown fwspec");
    p.fwspec = g;
    f.freed = true;
    return true;
  }

  /** {@code iommu_fwspec_free()} [P]: unlocked. */
  private static void fwspecFree(Dev d) {
    DevIommu p = d.iommu;
    if (p == null) {
      throw new NullPointerException(
          "NULL dereference: dev->iommu vanished while freeing the fwspec");
    }
    Fwspec f = p.fwspec;
    if (f != null) {
      f.checkLive("freeing (double free)");
      f.freed = true;
      p.fwspec = null;
    }
  }

  /**
   * {@code of_iommu_configure()} [P] for a device described as {@code iommus = <&node id0>, <&node
   * id1>, …}: one {@code of_iommu_xlate} per entry, writing directly into the device.
   */
  public Configure ofIommuConfigure(Dev d, FwNode node, int[] ids) {
    DevIommu p = d.iommu;
    Fwspec old = p == null ? null : p.fwspec;
    if (old != null) {
      if (old.ops != null) {
        probeDevice(d); // "already configured": replay
        return Configure.CONFIGURED;
      }
      fwspecFree(d); // a placeholder left by an earlier deferral
    }
    for (int id : ids) {
      Object ops = lookup(node);
      window();
      if (!fwspecInit(d, node, ops)) {
        return Configure.NO_IOMMU; // -EINVAL
      }
      if (ops == null) {
        return Configure.DEFERRED; // the placeholder stays on the device
      }
      window();
      if (!fwspecAddIds(d, id)) {
        return Configure.NO_IOMMU;
      }
      window();
    }
    probeDevice(d); // the replay
    return Configure.CONFIGURED;
  }

  /** {@code iommu_device_register()} [P]: visible in the registry, then the bus walk. */
  public void registerInstance(FwNode node) {
    registry.add(node);
    busOps = smmuOps;
    window();
    for (Dev d : bus) {
      probeDevice(d);
    }
  }

  /** {@code __iommu_probe_device()} [P], with the SMMU driver's {@code probe_device} inlined. */
  public void probeDevice(Dev d) {
    probeLock.lock();
    try {
      if (d.group != null) {
        return; // already probed
      }
      Object ops = busOps;
      if (ops == null) {
        return; // -ENODEV, nothing touched
      }
      DevIommu p = devIommuGet(d);
      Fwspec f = p.fwspec;
      if (f == null || f.ops != ops) {
        devIommuFree(d); // probe_device said -ENODEV: the failure path frees everything
        return;
      }
      f.checkLive("probe_device reading the IDs");
      d.boundIds = f.ids.clone(); // the driver programs whatever IDs are there now
      d.group = new Object();
    } finally {
      probeLock.unlock();
    }
  }

  /**
   * One boot of the race scenario (races R1 and R2) on this model: device D is described as {@code
   * iommus = <&S id0>, <&S id1>, ...}; {@link #configure} is D's driver probe (the glue configures
   * D, or defers on S), {@link #register} is S's registration (the bus walk, then the
   * deferred-probe trigger retries D). Every serial order ends with D bound to S with all the IDs;
   * the races of the model break that.
   */
  public static final class RaceBoot {
    private final PreRedesignCore core = new PreRedesignCore();
    private final FwNode s = FwNode.create("/smmu");
    private final Dev d = new Dev("D");
    private final int[] ids;
    private final Object deferLock = new Object();
    private boolean registered;
    private boolean deferred;

    /**
     * A fresh boot: S not registered, D on the bus, unprobed.
     *
     * @param ids D's IDs, in {@code iommus} order
     */
    public RaceBoot(int... ids) {
      this.ids = ids.clone();
      core.addDevice(d);
    }

    /** D's driver probes: the glue configures D; a deferral waits for S's registration. */
    public void configure() {
      if (core.ofIommuConfigure(d, s, ids) != Configure.DEFERRED) {
        return;
      }
      // The deferral itself is sound (the kernel's deferred-probe trigger); the race is above.
      synchronized (deferLock) {
        if (!registered) {
          deferred = true;
          return;
        }
      }
      core.ofIommuConfigure(d, s, ids);
    }

    /** S registers: the registry learns S and walks the bus, then D is retried if it deferred. */
    public void register() {
      core.registerInstance(s);
      boolean retry;
      synchronized (deferLock) {
        registered = true;
        retry = deferred;
        deferred = false;
      }
      if (retry) {
        core.ofIommuConfigure(d, s, ids);
      }
    }

    /**
     * D's state.
     *
     * @return {@code ok [ids]} when bound, else {@code unbound}
     */
    public String state() {
      int[] bound = d.boundIds;
      return d.group != null && bound != null ? "ok " + Arrays.toString(bound) : "unbound";
    }

    /**
     * What is wrong with the boot's end that {@link #state()} does not show.
     *
     * @return the leaked fwspecs, or the empty string
     */
    public String leaks() {
      DevIommu slot = d.iommu;
      Fwspec installed = slot == null ? null : slot.fwspec;
      long leaked = core.allFwspecs.stream().filter(f -> !f.freed && f != installed).count();
      return leaked == 0 ? "" : leaked + " fwspecs leaked";
    }
  }
}
