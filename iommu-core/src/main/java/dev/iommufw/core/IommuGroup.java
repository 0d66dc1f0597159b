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
 * group of n devices costs O(n) to build, not O(n²). The group's own monitor guards its membership
 * list, so callers must not synchronize on a group.
 */
public final class IommuGroup {
  private final int id;

  // Guarded by this group's monitor (a leaf lock, held only for a copy): null, the one member (a
  // Device, the common case, so a group costs no extra allocation), or an ArrayList of members.
  private @Nullable Object membership;
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
    synchronized (this) {
      ImmutableList<Device> s = snapshot;
      if (s == null) {
        Object m = membership;
        s =
            m == null
                ? ImmutableList.of()
                : m instanceof Device single ? ImmutableList.of(single) : copyOf(m);
        snapshot = s;
      }
      return s;
    }
  }

  @SuppressWarnings("unchecked") // membership holds only Devices
  private static ImmutableList<Device> copyOf(Object list) {
    return ImmutableList.copyOf((List<Device>) list);
  }

  /**
   * The instance that translates the group's devices: the instance of its first member that is
   * bound (a group's devices all reach the same instance).
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

  @SuppressWarnings("unchecked") // membership holds only Devices
  void add(Device dev) {
    synchronized (this) {
      Object m = membership;
      if (m == null) {
        membership = dev;
      } else if (m instanceof Device single) {
        List<Device> list = new ArrayList<>(4);
        list.add(single);
        list.add(dev);
        membership = list;
      } else {
        ((List<Device>) m).add(dev);
      }
      snapshot = null;
    }
  }

  @SuppressWarnings("unchecked") // membership holds only Devices
  void remove(Device dev) {
    synchronized (this) {
      Object m = membership;
      if (m == dev) {
        membership = null;
        snapshot = null;
      } else if (m instanceof List<?> && ((List<Device>) m).removeIf(d -> d == dev)) {
        snapshot = null;
      }
    }
  }

  @Override
  public String toString() {
    return "IommuGroup[" + id + "]";
  }
}
