package dev.iommufw.core;

import com.google.common.collect.ImmutableList;
import org.jspecify.annotations.Nullable;

/**
 * A set of devices that the IOMMU cannot isolate from each other (kernel: {@code struct
 * iommu_group}). A device is IOMMU-mapped (kernel: {@code device_iommu_mapped()}) exactly when it
 * is in a group.
 *
 * <p>Membership changes only under the owning core's probe lock; {@link #members()} is a
 * lock-free snapshot.
 */
public final class IommuGroup {
  private final int id;
  private volatile ImmutableList<Device> members = ImmutableList.of();

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
    return members;
  }

  /**
   * The instance that translates the group's devices: the instance of its first member that is
   * bound (machine.md §6: a group's devices all reach the same instance).
   *
   * @return the instance, or null while the group has no bound member
   */
  public @Nullable IommuInstance instance() {
    for (Device d : members) {
      IommuBinding b = d.iommuBinding().orElse(null);
      if (b != null) {
        return b.instance();
      }
    }
    return null;
  }

  void add(Device dev) {
    ImmutableList<Device> current = members;
    // Most groups hold one device: skip the builder for the first member.
    members =
        current.isEmpty()
            ? ImmutableList.of(dev)
            : ImmutableList.<Device>builder().addAll(current).add(dev).build();
  }

  void remove(Device dev) {
    ImmutableList.Builder<Device> kept = ImmutableList.builder();
    for (Device d : members) {
      if (d != dev) {
        kept.add(d);
      }
    }
    members = kept.build();
  }

  @Override
  public String toString() {
    return "IommuGroup[" + id + "]";
  }
}
