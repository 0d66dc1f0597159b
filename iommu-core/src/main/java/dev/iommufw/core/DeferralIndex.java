package dev.iommufw.core;

import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The devices of one {@link IommuCore} whose DMA configuration deferred, indexed by the firmware
 * node of the IOMMU each waits for, and the {@link DeferralPolicy} that decides whether a device
 * may wait at all (kernel: the deferred-probe list, and {@code
 * driver_deferred_probe_check_state()}).
 *
 * <p>The index exists so that registering an instance retries exactly the devices waiting for its
 * node ({@link #takeWaitingFor}) instead of walking every device; leaving {@link
 * DeferralPolicy#BOOTING} flushes it ({@link #setPolicy}, the deferred-probe timeout firing). A
 * device waits for at most one node, recorded in its {@code waitingFor} field, so it can leave the
 * index without a search.
 *
 * <p><b>Guarded by the owning core's registry lock</b> (kernel: {@code iommu_device_lock}), as is a
 * device's {@code waitingFor}: this class takes no lock of its own and every method must be called
 * with that lock held. A deferral is indexed in the same critical section in which the core checks
 * that the instance is not registered, and a registration drains the index under that lock, so a
 * registration either sees a device waiting or the device sees the instance. The registry lock is a
 * leaf lock: the devices taken from here are configured again only after it is released.
 *
 * <p>Not thread-safe on its own.
 */
final class DeferralIndex {
  private final IdentityHashMap<FwNode, Set<Device>> waiting = new IdentityHashMap<>();
  private DeferralPolicy policy;

  /**
   * An empty index.
   *
   * @param policy the initial deferral policy
   */
  DeferralIndex(DeferralPolicy policy) {
    this.policy = checkNotNull(policy);
  }

  /** The current deferral policy. */
  DeferralPolicy policy() {
    return policy;
  }

  /**
   * Changes the policy. Leaving {@link DeferralPolicy#BOOTING} empties the index: no device may
   * wait any longer, each must be configured again and take the new policy's answer.
   *
   * @return the devices that were waiting, to configure again; empty if the policy is {@code
   *     BOOTING}
   */
  List<Device> setPolicy(DeferralPolicy newPolicy) {
    policy = checkNotNull(newPolicy);
    if (newPolicy == DeferralPolicy.BOOTING) {
      return List.of();
    }
    List<Device> flushed = new ArrayList<>();
    for (Set<Device> set : waiting.values()) {
      flushed.addAll(set);
    }
    for (Device d : flushed) {
      d.waitingFor = null;
    }
    waiting.clear();
    return flushed;
  }

  /**
   * Records a device as waiting for a node, after the devices already waiting for it. The device
   * must not be waiting for another node ({@link #remove} it first).
   */
  void add(Device dev, FwNode node) {
    dev.waitingFor = node;
    waiting.computeIfAbsent(node, k -> new LinkedHashSet<>()).add(dev);
  }

  /** Stops a device waiting, whatever it waits for; a device not waiting is left as it is. */
  void remove(Device dev) {
    FwNode node = dev.waitingFor;
    if (node != null) {
      Set<Device> set = waiting.get(node);
      if (set != null) {
        set.remove(dev);
        if (set.isEmpty()) {
          waiting.remove(node);
        }
      }
      dev.waitingFor = null;
    }
  }

  /**
   * Takes the devices waiting for a node out of the index (the retry-on-registration selection): an
   * instance with that node has just registered, so they are to be configured again.
   *
   * @return the devices, in the order they deferred; empty if none waits for the node
   */
  List<Device> takeWaitingFor(FwNode node) {
    Set<Device> waiters = waiting.remove(node);
    if (waiters == null) {
      return List.of();
    }
    List<Device> taken = new ArrayList<>(waiters);
    for (Device d : taken) {
      d.waitingFor = null;
    }
    return taken;
  }

  /**
   * Every waiting device.
   *
   * @return a snapshot, grouped by node in no particular order of nodes, each node's devices in the
   *     order they deferred
   */
  ImmutableList<Device> snapshot() {
    ImmutableList.Builder<Device> all = ImmutableList.builder();
    for (Set<Device> set : waiting.values()) {
      all.addAll(set);
    }
    return all.build();
  }
}
