package dev.iommufw.kerneldiff;

import com.google.common.collect.ImmutableMap;
import dev.iommufw.machine.Machine;
import dev.iommufw.machine.MachineException;
import dev.iommufw.machine.MachineReport;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The harness's only coupling to the library's machine boot (today {@code dev.iommufw.machine}):
 * the library's prediction for a machine description, and the IOMMU instances its firmware
 * describes. When the machine boot moves to its own module only the imports of this class change.
 */
public final class Library {
  private Library() {}

  /**
   * The library's machine report for a machine description.
   *
   * @param machineJson the {@code machine.json} (firmware files beside it)
   * @return the report, JSON lines
   * @throws ObservationException if the library rejects the description or its firmware
   */
  public static String predict(Path machineJson) throws ObservationException {
    try {
      return MachineReport.jsonl(Machine.load(machineJson).boot());
    } catch (MachineException e) {
      throw new ObservationException(
          "the library rejects " + machineJson + ": " + e.getMessage(), e);
    }
  }

  /**
   * The IOMMU instances the firmware of a machine description describes, with their driver.
   *
   * @param machineJson the {@code machine.json} (firmware files beside it)
   * @return instance name to driver name ({@code arm-smmu-v3}, {@code arm-smmu}, {@code
   *     virtio-iommu}), in firmware order
   * @throws ObservationException if the library rejects the description or its firmware
   */
  public static ImmutableMap<String, String> instances(Path machineJson)
      throws ObservationException {
    try {
      Machine m = Machine.load(machineJson);
      Map<String, String> out = new LinkedHashMap<>();
      for (String name : m.instanceNames()) {
        String d = m.describeInstance(name);
        out.put(name, d == null ? "" : d.substring(0, d.indexOf(' ')));
      }
      return ImmutableMap.copyOf(out);
    } catch (MachineException e) {
      throw new ObservationException(
          "the library rejects " + machineJson + ": " + e.getMessage(), e);
    }
  }
}
