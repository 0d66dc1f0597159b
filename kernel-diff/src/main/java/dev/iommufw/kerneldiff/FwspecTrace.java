package dev.iommufw.kerneldiff;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.primitives.ImmutableIntArray;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The fwspec history of every device, read from the kprobe events of one boot (the trace buffer the
 * guest printed): {@code fwinit} on {@code iommu_fwspec_init}, {@code fwadd} and {@code fwadd_ret}
 * on {@code iommu_fwspec_add_ids}, {@code fwfree} on {@code iommu_fwspec_free}, {@code probe} and
 * {@code probe_ret} on the IOMMU core's device probe ({@code iommu_probe_device}, or {@code
 * __iommu_probe_device} from Linux 6.15), and from 6.15 {@code devfree} on {@code dev_iommu_free}.
 *
 * <p>A device's fwspec starts at a {@code fwinit} when it has none open; it ends at {@code fwfree},
 * at a {@code devfree} outside the device's own probe, or when the device's probe returns an error.
 * The last one is the device's (from 6.15 a fwspec is built at device add and again when an IOMMU
 * registers) — except that a last fwspec which holds IDs but never reached the IOMMU probe does not
 * replace an earlier one that was decided (probed, failed or freed): under ACPI, Linux 6.15+
 * rebuilds the fwspec when a driver binds to a device whose probe failed, and does not probe it
 * again.
 *
 * @param devices per device name (as the kernel names it: a BDF, or a platform device name), in the
 *     order of their first event
 * @param addOrder device names in the order of their first {@code fwadd}
 */
public record FwspecTrace(ImmutableMap<String, Device> devices, ImmutableList<String> addOrder) {

  /** How a device's last fwspec ended. */
  public enum End {
    /** Still open, never probed (or its probe is still running). */
    OPEN,
    /** Freed (by the glue, or released when its IOMMU instance went away). */
    FREED,
    /** The IOMMU core's probe failed with {@link Device#errno()}. */
    FAILED,
    /** The IOMMU core's probe succeeded. */
    PROBED
  }

  /**
   * One device's last fwspec.
   *
   * @param name the kernel's device name
   * @param ids the IDs added to the last fwspec, in order
   * @param end how it ended
   * @param errno the errno of a failed probe (positive), else 0
   */
  public record Device(String name, ImmutableIntArray ids, End end, int errno) {}

  private static final Pattern EVENT =
      Pattern.compile(
          ":\\s+(fwinit|fwadd|fwadd_ret|fwfree|probe|probe_ret|devfree):\\s+\\(([^)]*)\\)\\s*(.*)$");
  private static final Pattern FIELD = Pattern.compile("(\\w+)=(\"[^\"]*\"|\\S+)");
  private static final Pattern ENTRIES =
      Pattern.compile("entries-in-buffer/entries-written: (\\d+)/(\\d+)");

  /**
   * Reads the trace section.
   *
   * @param lines the lines of the guest's trace buffer (comments allowed)
   * @return every device's last fwspec
   * @throws ObservationException if an event line lacks a field it must have, or the trace buffer
   *     lost records (its header says fewer entries are in the buffer than were written)
   */
  public static FwspecTrace parse(List<String> lines) throws ObservationException {
    Map<String, Mutable> devs = new LinkedHashMap<>();
    List<String> addOrder = new ArrayList<>();
    Deque<String> probing = new ArrayDeque<>();
    @Nullable String adding = null;
    int lineNo = 0;
    for (String line : lines) {
      lineNo++;
      if (line.startsWith("#")) {
        Matcher e = ENTRIES.matcher(line);
        if (e.find() && !e.group(1).equals(e.group(2))) {
          throw new ObservationException(
              "trace: the buffer kept "
                  + e.group(1)
                  + " of "
                  + e.group(2)
                  + " records; the first ones were overwritten (boot with a larger "
                  + "trace buffer)");
        }
        continue;
      }
      Matcher m = EVENT.matcher(line);
      if (!m.find()) {
        continue;
      }
      String event = m.group(1);
      Map<String, String> f = new LinkedHashMap<>();
      Matcher fm = FIELD.matcher(m.group(3));
      while (fm.find()) {
        String v = fm.group(2);
        f.put(fm.group(1), v.startsWith("\"") ? v.substring(1, v.length() - 1) : v);
      }
      switch (event) {
        case "fwinit" -> {
          Mutable d = dev(devs, need(f, "dev", lineNo, line));
          if (d.end != End.OPEN || !d.started) {
            d.restart();
          }
        }
        case "fwadd" -> {
          String name = need(f, "dev", lineNo, line);
          Mutable d = dev(devs, name);
          if (!d.started || d.end != End.OPEN) {
            d.restart();
          }
          int n = (int) num(need(f, "n", lineNo, line), lineNo);
          if (n >= 1) {
            d.ids.add((int) num(need(f, "id0", lineNo, line), lineNo));
          }
          if (n >= 2) {
            d.ids.add((int) num(need(f, "id1", lineNo, line), lineNo));
          }
          if (n > 2) {
            throw new ObservationException(
                "trace line "
                    + lineNo
                    + ": "
                    + n
                    + " IDs in one iommu_fwspec_add_ids call; the kprobe records only two: "
                    + line);
          }
          if (!addOrder.contains(name)) {
            addOrder.add(name);
          }
          adding = name;
        }
        case "fwadd_ret" -> {
          long ret = num(need(f, "ret", lineNo, line), lineNo);
          if (adding != null && ret != 0) {
            Mutable d = dev(devs, adding);
            d.end = End.FAILED;
            d.errno = (int) -ret;
          }
          adding = null;
        }
        case "fwfree" -> {
          Mutable d = dev(devs, need(f, "dev", lineNo, line));
          if (d.end == End.OPEN || d.end == End.PROBED) {
            d.end = End.FREED;
          }
        }
        case "devfree" -> {
          String name = need(f, "dev", lineNo, line);
          Mutable d = dev(devs, name);
          if (!probing.contains(name) && (d.end == End.OPEN || d.end == End.PROBED)) {
            d.end = End.FREED;
          }
        }
        case "probe" -> {
          String name = need(f, "dev", lineNo, line);
          probing.push(name);
          dev(devs, name);
        }
        case "probe_ret" -> {
          if (probing.isEmpty()) {
            continue; // the entry record was overwritten
          }
          Mutable d = dev(devs, probing.pop());
          long ret = num(need(f, "ret", lineNo, line), lineNo);
          if (d.end == End.OPEN && d.started) {
            if (ret == 0) {
              d.end = End.PROBED;
            } else {
              d.end = End.FAILED;
              d.errno = (int) -ret;
            }
          }
        }
        default -> throw new AssertionError(event);
      }
    }
    ImmutableMap.Builder<String, Device> out = ImmutableMap.builder();
    devs.forEach(
        (k, v) -> {
          Device last = new Device(k, ImmutableIntArray.copyOf(v.ids), v.end, v.errno);
          Device decided = v.decided;
          out.put(
              k,
              v.end == End.OPEN && !v.ids.isEmpty() && decided != null
                  ? new Device(k, decided.ids(), decided.end(), decided.errno())
                  : last);
        });
    return new FwspecTrace(out.buildOrThrow(), ImmutableList.copyOf(addOrder));
  }

  /**
   * A device's last fwspec.
   *
   * @param name the kernel's device name
   * @return it, or null when no event named the device
   */
  public @Nullable Device device(String name) {
    return devices.get(name);
  }

  private static Mutable dev(Map<String, Mutable> devs, String name) {
    return devs.computeIfAbsent(name, k -> new Mutable());
  }

  private static String need(Map<String, String> f, String key, int lineNo, String line)
      throws ObservationException {
    String v = f.get(key);
    if (v == null) {
      throw new ObservationException(
          "trace line " + lineNo + ": no field " + key + " in: " + line.trim());
    }
    return v;
  }

  private static long num(String v, int lineNo) throws ObservationException {
    try {
      return v.startsWith("0x") ? Long.parseUnsignedLong(v.substring(2), 16) : Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new ObservationException("trace line " + lineNo + ": not a number: " + v, e);
    }
  }

  private static final class Mutable {
    boolean started;
    List<Integer> ids = new ArrayList<>();
    End end = End.OPEN;
    int errno;

    /** The last fwspec that was probed, failed or freed, before the current one. */
    @Nullable Device decided;

    void restart() {
      if (started && end != End.OPEN) {
        decided = new Device("", ImmutableIntArray.copyOf(ids), end, errno);
      }
      started = true;
      ids = new ArrayList<>();
      end = End.OPEN;
      errno = 0;
    }
  }
}
