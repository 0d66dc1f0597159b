package dev.iommufw.kerneldiff;

import static com.google.common.base.Preconditions.checkNotNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One line of a machine report: what one device ended with.
 *
 * @param device a BDF for PCI, a DT node path for a platform device
 * @param pci true for a PCI function
 * @param driver the driver bound at the end, or null
 * @param result {@code ok}, {@code error}, {@code none} or {@code unprobed}
 * @param iommu the IOMMU instance's name for {@code ok}, else null
 * @param ids the fwspec IDs as {@code 0x}-prefixed lowercase hex
 * @param errno the errno name for {@code error}, else null
 * @param group the group's name (its first member in report order) for {@code ok}, else null
 */
public record DeviceResult(
    String device,
    boolean pci,
    @Nullable String driver,
    String result,
    @Nullable String iommu,
    ImmutableList<String> ids,
    @Nullable String errno,
    @Nullable String group) {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /**
   * Checks non-nullness.
   *
   * @param device the device
   * @param pci PCI or platform
   * @param driver the driver
   * @param result the result
   * @param iommu the instance
   * @param ids the IDs
   * @param errno the errno name
   * @param group the group
   */
  public DeviceResult {
    checkNotNull(device);
    checkNotNull(result);
    checkNotNull(ids);
  }

  /**
   * The report line, compact JSON without a newline.
   *
   * @return the line
   */
  public String toJson() {
    Map<String, @Nullable Object> m = new LinkedHashMap<>();
    m.put("device", device);
    m.put("bus", pci ? "pci" : "platform");
    m.put("driver", driver);
    m.put("result", result);
    m.put("iommu", iommu);
    m.put("ids", ids);
    m.put("errno", errno);
    m.put("group", group);
    return Json.compact(m);
  }

  /**
   * Parses a report (JSON lines).
   *
   * @param jsonl the report text
   * @return its lines, in order
   * @throws ObservationException if a line is not a report line
   */
  public static ImmutableList<DeviceResult> parseReport(String jsonl) throws ObservationException {
    List<DeviceResult> out = new ArrayList<>();
    int n = 0;
    for (String line : jsonl.split("\n", -1)) {
      n++;
      if (line.isBlank()) {
        continue;
      }
      JsonNode j;
      try {
        j = MAPPER.readTree(line);
      } catch (JsonProcessingException e) {
        throw new ObservationException("report line " + n + " is not JSON: " + line, e);
      }
      if (j == null
          || !j.isObject()
          || !j.path("device").isTextual()
          || !j.path("result").isTextual()
          || !j.path("ids").isArray()) {
        throw new ObservationException(
            "report line " + n + " is not a machine report line: " + line);
      }
      List<String> ids = new ArrayList<>();
      j.get("ids").forEach(x -> ids.add(x.asText()));
      out.add(
          new DeviceResult(
              j.get("device").asText(),
              "pci".equals(j.path("bus").asText()),
              text(j, "driver"),
              j.get("result").asText(),
              text(j, "iommu"),
              ImmutableList.copyOf(ids),
              text(j, "errno"),
              text(j, "group")));
    }
    return ImmutableList.copyOf(out);
  }

  private static @Nullable String text(JsonNode j, String key) {
    JsonNode v = j.get(key);
    return v == null || v.isNull() ? null : v.asText();
  }

  /**
   * A report as text.
   *
   * @param lines the lines
   * @return JSON lines, each ending in a newline
   */
  public static String toReport(List<DeviceResult> lines) {
    StringBuilder out = new StringBuilder();
    for (DeviceResult d : lines) {
      out.append(d.toJson()).append('\n');
    }
    return out.toString();
  }
}
