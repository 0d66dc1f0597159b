package dev.iommufw.core;

import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The IOMMU instances registered in one {@link IommuCore} (kernel: the {@code iommu_device_list}
 * that {@code iommu_device_register()} appends to and {@code iommu_ops_from_fwnode()} searches),
 * indexed by firmware node, with the instances whose registration walk is still running and the
 * registry epoch.
 *
 * <p><b>Guarded by the owning core's registry lock</b> (kernel: {@code iommu_device_lock}): this
 * class takes no lock of its own and every method must be called with that lock held. The core
 * combines a look-up here with the {@link DeferralIndex} and its device list in one critical
 * section (a deferral is indexed under the same lock a registration drains the index with), which
 * is why the lock stays with the core. The registry lock is a leaf lock, so nothing here calls a
 * driver or the glue.
 *
 * <p>Not thread-safe on its own; identity-keyed, as firmware nodes are.
 */
final class InstanceRegistry {
  private final List<IommuInstance> instances = new ArrayList<>();
  private final IdentityHashMap<FwNode, List<IommuInstance>> instancesByNode =
      new IdentityHashMap<>();
  private final List<IommuInstance> nodelessInstances = new ArrayList<>();

  /** Registered instances whose registration walk has not finished (not "ready" yet). */
  private final Set<IommuInstance> walking = Collections.newSetFromMap(new IdentityHashMap<>());

  /**
   * Bumped by every registration, every registration walk that ends ready and every policy change,
   * to tell a racing deferral from a stale one.
   */
  private long epoch;

  /**
   * Registers an instance in {@code core}, last in registration order, and bumps the epoch. The
   * first registered instance of a node stays the one its node finds.
   *
   * @param instance an instance registered nowhere
   * @param core the owning core, recorded in the instance
   * @param walking whether the instance starts with a registration walk, and so is not ready until
   *     {@link #markReady} (the kernel's {@code ready} flag, cleared)
   * @throws IllegalStateException if the instance is already registered (here or elsewhere), or if
   *     the walk of its previous registration here has not ended (unregistered from under it); then
   *     nothing changed
   */
  void register(IommuInstance instance, IommuCore core, boolean walking) {
    if (instance.registeredIn() != null) {
      throw new IllegalStateException(instance + " is already registered");
    }
    if (this.walking.contains(instance)) {
      // The running walk owns the mark: a second registration would share it, and the first walk
      // ending would make the second look ready before its own walk ended.
      throw new IllegalStateException(
          instance + " was unregistered while its registration walk runs; register it again after");
    }
    instance.setRegisteredIn(core);
    instances.add(instance);
    if (walking) {
      this.walking.add(instance);
    }
    epoch++;
    FwNode node = instance.fwNode();
    if (node == null) {
      nodelessInstances.add(instance);
    } else {
      instancesByNode.computeIfAbsent(node, k -> new ArrayList<>(1)).add(instance);
    }
  }

  /**
   * Removes a registered instance from the registry and from its node's index, and records it as
   * registered nowhere. Its walk mark, if any, stays until {@link #markReady} or {@link
   * #abandonWalk}, as the walk that set it owns it. The epoch is not bumped: an unregistration
   * makes no waiting device configurable.
   */
  void unregister(IommuInstance instance) {
    instances.remove(instance);
    FwNode node = instance.fwNode();
    if (node == null) {
      nodelessInstances.remove(instance);
    } else {
      List<IommuInstance> list = instancesByNode.get(node);
      if (list != null) {
        list.remove(instance);
        if (list.isEmpty()) {
          instancesByNode.remove(node);
        }
      }
    }
    instance.setRegisteredIn(null);
  }

  /**
   * Ends an instance's registration walk successfully: from now on every caller may configure a
   * device on it. Bumps the epoch, since a deferral that raced with the walk may now succeed.
   */
  void markReady(IommuInstance instance) {
    walking.remove(instance);
    epoch++;
  }

  /** Ends an instance's registration walk that failed or crashed; the epoch stays. */
  void abandonWalk(IommuInstance instance) {
    walking.remove(instance);
  }

  /**
   * Bumps the epoch for a change outside the registry that may make a deferred device configurable
   * (a deferral policy change).
   */
  void bumpEpoch() {
    epoch++;
  }

  /**
   * The epoch: a configuration that deferred while it stayed the same did not race with a
   * registration or a policy change.
   */
  long epoch() {
    return epoch;
  }

  /**
   * The instance a node finds (kernel: {@code iommu_ops_from_fwnode()}): the first registered one.
   *
   * @return the instance, or null if none is registered with that node
   */
  @Nullable IommuInstance firstRegistered(FwNode node) {
    List<IommuInstance> list = instancesByNode.get(node);
    return list == null || list.isEmpty() ? null : list.get(0);
  }

  /**
   * Whether a registered instance has finished its registration walk (or never had one).
   *
   * @return false while its walk runs
   */
  boolean isReady(IommuInstance instance) {
    return !walking.contains(instance);
  }

  /**
   * The ops of the first instance registered without a firmware node (the bus-wide IOMMU).
   *
   * @return the ops, or null if there is none
   */
  @Nullable IommuOps nodelessOps() {
    return nodelessInstances.isEmpty() ? null : nodelessInstances.get(0).ops();
  }

  /**
   * The registered instances, in registration order.
   *
   * @return a snapshot
   */
  ImmutableList<IommuInstance> snapshot() {
    return ImmutableList.copyOf(instances);
  }
}
