package dev.iommufw.examples.race;

import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * A deliberately racy model of the IOMMU core and OF glue <em>before</em> the redesign (Linux
 * 6.7-rc1, the base of the series "Solve iommu probe races around iommu_fwspec"), for the race demo and its tests only.
 *
 * <p>Racy exactly where 6.7-rc1 is: the glue writes D's IOMMU slot ({@code dev->iommu}) with no lock —
 * it allocates the slot, installs an empty fwspec, then appends the IDs one at a time,
 * reallocating the fwspec (and freeing the old one) each time. The probe lock is private to
 * {@link #probe()}; the registration's bus walk probes D under it and, when the driver does not
 * accept what it finds there (no fwspec yet), frees the whole slot under the glue's feet (R1);
 * when it finds a half-built fwspec it accepts it, and the later IDs are never programmed (R2).
 *
 * <p>Freed objects are marked, not reclaimed, so a use after free throws {@link
 * IllegalStateException}; a write through a slot pointer that became null throws {@link
 * NullPointerException} (the kernel's NULL dereference). {@link Thread#yield()} between the glue's
 * steps stands for the work the real parse does there.
 */
public final class PreRedesignModel implements RaceModel {
  private static final Object S_OPS = new Object();
  private static final int[] IDS = {1, 2};

  /** A 6.7-rc1 fwspec: a flexible array, reallocated to grow. */
  private static final class Fwspec {
    final Object ops;
    final int[] ids;
    volatile boolean freed;

    Fwspec(Object ops, int[] ids) {
      this.ops = ops;
      this.ids = ids;
    }

    void checkLive(String what) {
      if (freed) {
        throw new IllegalStateException("use-after-free: " + what + " on a freed fwspec");
      }
    }
  }

  /** A 6.7-rc1 {@code struct dev_iommu}. */
  private static final class DevIommu {
    volatile @Nullable Fwspec fwspec;
    volatile boolean freed;

    void checkLive(String what) {
      if (freed) {
        throw new IllegalStateException("use-after-free: " + what + " through a freed dev_iommu");
      }
    }
  }

  private final ReentrantLock probeLock = new ReentrantLock();
  private final Object deferLock = new Object();
  private volatile boolean registered;
  private volatile boolean deferred;
  private volatile @Nullable DevIommu iommu;
  private volatile int @Nullable [] boundIds;
  private volatile boolean inGroup;

  /** A fresh boot: S not registered, D unprobed. */
  public PreRedesignModel() {}

  @Override
  public void configure() {
    // The deferral itself is sound (the kernel's deferred-probe trigger); the race is below.
    synchronized (deferLock) {
      if (!registered) {
        deferred = true;
        return;
      }
    }
    for (int id : IDS) {
      // of_iommu_xlate → iommu_fwspec_init(D): dev_iommu_get() allocates the slot, no lock.
      DevIommu p = iommu;
      if (p == null) {
        p = new DevIommu();
        iommu = p;
      }
      pause();
      p.checkLive("iommu_fwspec_init");
      if (p.fwspec == null) {
        DevIommu through = iommu;
        if (through == null) {
          throw new NullPointerException("NULL dereference: dev->iommu in iommu_fwspec_init");
        }
        through.fwspec = new Fwspec(S_OPS, new int[0]);
      }
      pause();
      // iommu_fwspec_add_ids(D, id): reallocates the fwspec and frees the old one.
      DevIommu cur = iommu;
      if (cur == null) {
        throw new NullPointerException("NULL dereference: dev->iommu in iommu_fwspec_add_ids");
      }
      cur.checkLive("iommu_fwspec_add_ids");
      Fwspec old = cur.fwspec;
      if (old == null) {
        return; // -EINVAL: D silently ends with no IOMMU
      }
      old.checkLive("iommu_fwspec_add_ids");
      int[] grown = Arrays.copyOf(old.ids, old.ids.length + 1);
      grown[old.ids.length] = id;
      cur.fwspec = new Fwspec(old.ops, grown);
      old.freed = true;
      pause();
    }
    probe(); // the replay: iommu_probe_device(D)
  }

  @Override
  public void register() {
    boolean retry;
    synchronized (deferLock) {
      if (registered) {
        return;
      }
      registered = true;
      retry = deferred;
      deferred = false;
    }
    probe(); // bus_iommu_probe reaches D
    if (retry) {
      configure(); // the deferred probe of D runs again
    }
  }

  /**
   * Where the real parse does work (device-tree walks, allocations): give the other CPU the
   * chance the kernel gives it. The model's race windows are exactly these points.
   */
  @SuppressWarnings("ThreadPriorityCheck") // widening the window is the point of this model
  private static void pause() {
    Thread.yield();
  }

  /** {@code __iommu_probe_device(D)} under the (private) probe lock. */
  private void probe() {
    probeLock.lock();
    try {
      if (inGroup) {
        return;
      }
      DevIommu p = iommu;
      if (p == null) {
        p = new DevIommu();
        iommu = p;
      }
      Fwspec f = p.fwspec;
      if (f == null || f.ops != S_OPS) {
        // probe_device answers -ENODEV; the error path frees D's whole slot.
        iommu = null;
        p.freed = true;
        if (f != null) {
          f.freed = true;
        }
        return;
      }
      f.checkLive("probe_device");
      boundIds = f.ids.clone();
      inGroup = true;
    } finally {
      probeLock.unlock();
    }
  }

  @Override
  public String state() {
    int[] ids = boundIds;
    if (inGroup && ids != null) {
      return "ok " + Arrays.toString(ids);
    }
    return "unbound";
  }

  @Override
  public String leaks() {
    return "";
  }
}
