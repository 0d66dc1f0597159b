package dev.iommufw.machine;

import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableList;
import com.google.common.primitives.ImmutableIntArray;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The end state of a boot (see <a
 * href="{@docRoot}/dev/iommufw/core/doc-files/report-formats.html#machine">the machine report</a>):
 * per device, the result, instance, IDs, errno and group; and the groups themselves. An immutable
 * value: two boots that ended the same way have equal states.
 *
 * @param devices one entry per device, PCI functions in address order, then platform devices in
 *     path order
 * @param groups the IOMMU groups, in the report order of the member that names them
 */
public record MachineState(ImmutableList<DeviceState> devices, ImmutableList<GroupState> groups) {
  /**
   * Validates non-nullness.
   *
   * @param devices the devices
   * @param groups the groups
   */
  public MachineState {
    checkNotNull(devices);
    checkNotNull(groups);
  }

  /**
   * The device with a report name.
   *
   * @param name a BDF or DT path
   * @return the device's state, or null
   */
  public @Nullable DeviceState device(String name) {
    checkNotNull(name);
    for (DeviceState d : devices) {
      if (d.device().equals(name)) {
        return d;
      }
    }
    return null;
  }

  /** A device's outcome, the {@code result} of the machine report. */
  public enum Result {
    /** Never DMA-configured. */
    UNPROBED,
    /** Bound without an IOMMU. */
    NONE,
    /** Bound to an instance. */
    OK,
    /** The configure step failed or {@code probe_device} rejected the fwspec. */
    ERROR;

    /**
     * The report's spelling.
     *
     * @return the lowercase name
     */
    public String jsonName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * One device's end state.
   *
   * @param device the BDF or DT path
   * @param pci true for a PCI function, false for a platform device
   * @param driver the driver as the description gives it, or null
   * @param result the outcome
   * @param iommu for {@link Result#OK}, the instance's name; else null
   * @param ids for {@link Result#OK} the fwspec IDs, for {@link Result#ERROR} the IDs built (u32
   *     bit patterns, append order, duplicates kept); else empty
   * @param errno for {@link Result#ERROR}, the error's name; else null
   * @param group for {@link Result#OK}, the group's name (its first member in report order); else
   *     null
   */
  public record DeviceState(
      String device,
      boolean pci,
      @Nullable String driver,
      Result result,
      @Nullable String iommu,
      ImmutableIntArray ids,
      @Nullable String errno,
      @Nullable String group) {
    /**
     * Validates non-nullness.
     *
     * @param device the name
     * @param pci whether PCI
     * @param driver the driver
     * @param result the outcome
     * @param iommu the instance
     * @param ids the IDs
     * @param errno the error
     * @param group the group
     */
    public DeviceState {
      checkNotNull(device);
      checkNotNull(result);
      ids = ids.trimmed();
    }
  }

  /**
   * One IOMMU group.
   *
   * @param name its first member in report order
   * @param instance the instance its devices reach
   * @param members its members, in report order
   */
  public record GroupState(String name, String instance, ImmutableList<String> members) {
    /**
     * Validates non-nullness.
     *
     * @param name the name
     * @param instance the instance
     * @param members the members
     */
    public GroupState {
      checkNotNull(name);
      checkNotNull(instance);
      checkNotNull(members);
    }
  }
}
