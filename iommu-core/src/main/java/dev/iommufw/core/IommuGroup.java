package dev.iommufw.core;

import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A set of devices that the IOMMU cannot isolate from each other (kernel: {@code struct
 * iommu_group}). A device is IOMMU-mapped (kernel: {@code device_iommu_mapped()}) exactly when it
 * is in a group.
 *
 * <p>Membership changes only under the owning core's probe lock. {@link #members()} may be read
 * from any thread: it returns an immutable snapshot, rebuilt only after membership changed, so a
 * group of n devices costs O(n) to build, not O(n²).
 */
public final class IommuGroup {
  private final int id;

  /** Guards {@link #list} and {@link #snapshot}; a leaf lock, held only for a copy. */
  private final Object membersLock = new Object();

  private final List<Device> list = new ArrayList<>(1);
  private @Nullable ImmutableList<Device> snapshot = ImmutableList.of();

  IommuGroup(int id) {
    this.id = id;
  }

  /**
   * The group's number, unique within its core, in allocation order.
   *
   * @return the id
   */
  public int id() {
    return id;
  }

  /**
   * The devices in the group, in the order they joined.
   *
   * @return a snapshot
   */
  public ImmutableList<Device> members() {
    synchronized (membersLock) {
      ImmutableList<Device> s = snapshot;
      if (s == null) {
        s = ImmutableList.copyOf(list);
        snapshot = s;
      }
      return s;
    }
  }

  /**
   * The instance that translates the group's devices: the instance of its first member that is
   * bound (machine.md §6: a group's devices all reach the same instance).
   *
   * @return the instance, or null while the group has no bound member
   */
  public @Nullable IommuInstance instance() {
    for (Device d : members()) {
      IommuBinding b = d.iommuBinding().orElse(null);
      if (b != null) {
        return b.instance();
      }
    }
    return null;
  }

  void add(Device dev) {
    synchronized (membersLock) {
      list.add(dev);
      snapshot = null;
    }
  }

  void remove(Device dev) {
    synchronized (membersLock) {
      for (int i = 0; i < list.size(); i++) {
        if (list.get(i) == dev) {
          list.remove(i);
          snapshot = null;
          return;
        }
      }
    }
  }

  @Override
  public String toString() {
    return "IommuGroup[" + id + "]";
  }
}
