package dev.iommufw.kerneldiff;

import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Compares two machine reports device by device: one line per device that differs, naming each
 * field that differs with both values.
 */
public final class Comparison {
  private Comparison() {}

  /**
   * The devices that differ between two reports.
   *
   * @param leftName what the left report is ({@code kernel}, {@code boot-1})
   * @param left the left report
   * @param rightName what the right report is ({@code library}, {@code boot-2})
   * @param right the right report
   * @return one line per differing device, in the left report's order then the right's extra
   *     devices; empty when the reports agree
   */
  public static ImmutableList<String> diff(
      String leftName, List<DeviceResult> left, String rightName, List<DeviceResult> right) {
    Map<String, DeviceResult> l = byDevice(left);
    Map<String, DeviceResult> r = byDevice(right);
    Set<String> all = new LinkedHashSet<>(l.keySet());
    all.addAll(r.keySet());
    List<String> out = new ArrayList<>();
    for (String dev : all) {
      DeviceResult a = l.get(dev);
      DeviceResult b = r.get(dev);
      if (a == null) {
        out.add(dev + ": only in " + rightName + ": " + summary(b));
      } else if (b == null) {
        out.add(dev + ": only in " + leftName + ": " + summary(a));
      } else if (!a.equals(b)) {
        List<String> fields = new ArrayList<>();
        field(fields, "driver", a.driver(), b.driver());
        field(fields, "result", a.result(), b.result());
        field(fields, "iommu", a.iommu(), b.iommu());
        field(fields, "ids", String.join(",", a.ids()), String.join(",", b.ids()));
        field(fields, "errno", a.errno(), b.errno());
        field(fields, "group", a.group(), b.group());
        if (a.pci() != b.pci()) {
          fields.add(
              "bus " + (a.pci() ? "pci" : "platform") + " vs " + (b.pci() ? "pci" : "platform"));
        }
        out.add(
            dev
                + ": "
                + leftName
                + " "
                + summary(a)
                + " | "
                + rightName
                + " "
                + summary(b)
                + " ("
                + String.join("; ", fields)
                + ")");
      }
    }
    return ImmutableList.copyOf(out);
  }

  /**
   * A device's result in a few words: {@code ok smmu3.0x… [0x8] group 0000:00:01.0}, {@code error
   * ENODEV [0x310,0x300]}, {@code none}, {@code unprobed}.
   *
   * @param d the result, or null
   * @return the words
   */
  public static String summary(@Nullable DeviceResult d) {
    if (d == null) {
      return "absent";
    }
    StringBuilder s = new StringBuilder(d.result());
    if (d.iommu() != null) {
      s.append(' ').append(d.iommu());
    }
    if (d.errno() != null) {
      s.append(' ').append(d.errno());
    }
    if (!d.ids().isEmpty()) {
      s.append(" [").append(String.join(",", d.ids())).append(']');
    }
    if (d.group() != null) {
      s.append(" group ").append(d.group());
    }
    return s.toString();
  }

  private static void field(List<String> out, String name, @Nullable String a, @Nullable String b) {
    if (!Objects.equals(a, b)) {
      out.add(name + " " + a + " vs " + b);
    }
  }

  private static Map<String, DeviceResult> byDevice(List<DeviceResult> lines) {
    Map<String, DeviceResult> m = new LinkedHashMap<>();
    for (DeviceResult d : lines) {
      m.put(d.device(), d);
    }
    return m;
  }
}
