package dev.iommufw.machine;

import com.google.common.collect.ImmutableList;
import dev.iommufw.core.pci.Bdf;
import dev.iommufw.core.pci.PciDev;
import dev.iommufw.core.pci.PciTopology;
import dev.iommufw.machine.MachineState.DeviceState;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The text view of a booted machine: a header naming the machine and its IOMMU instances, the PCI
 * tree drawn the way {@code lspci -tv} draws it — each function annotated with its vendor and
 * device ID, driver, and what the boot gave it (instance, IDs, group; or the error; or no IOMMU) —
 * and then the platform devices.
 */
public final class MachineText {
  private final Machine machine;
  private final PciTopology topology;
  private final Map<String, DeviceState> states = new LinkedHashMap<>();
  private final Map<Bdf, List<PciDev>> children = new TreeMap<>();
  private final StringBuilder out = new StringBuilder();

  private MachineText(Machine machine, MachineState state) {
    this.machine = machine;
    this.topology = machine.topology();
    for (DeviceState d : state.devices()) {
      states.put(d.device(), d);
    }
    for (PciDev f : topology.functions()) {
      PciDev up = topology.upstreamBridge(f);
      if (up != null) {
        children.computeIfAbsent(up.bdf(), k -> new ArrayList<>()).add(f);
      }
    }
  }

  /**
   * Renders the text view.
   *
   * @param machine the machine
   * @param state its end state
   * @return the text, lines ending in {@code \n}
   */
  public static String render(Machine machine, MachineState state) {
    return new MachineText(machine, state).render();
  }

  private String render() {
    out.append("# ")
        .append(machine.description().name())
        .append(" (kernel ")
        .append(machine.description().kernel())
        .append(", ")
        .append(machine.description().firmwareKind().name().toLowerCase(java.util.Locale.ROOT))
        .append(")\n");
    for (String name : machine.instanceNames()) {
      out.append("# iommu ")
          .append(name)
          .append(": ")
          .append(machine.describeInstance(name))
          .append('\n');
    }
    // Root buses: the functions without a bridge above them, by (segment, bus).
    Map<Long, List<PciDev>> roots = new TreeMap<>();
    for (PciDev f : topology.functions()) {
      if (topology.upstreamBridge(f) == null) {
        roots
            .computeIfAbsent((long) f.bdf().segment() << 8 | f.bdf().bus(), k -> new ArrayList<>())
            .add(f);
      }
    }
    for (Map.Entry<Long, List<PciDev>> root : roots.entrySet()) {
      String head = String.format("-[%04x:%02x]-", root.getKey() >>> 8, root.getKey() & 0xff);
      String pad = " ".repeat(head.length());
      // Iterative depth-first walk: the depth of a topology is input-controlled.
      Deque<Frame> stack = new ArrayDeque<>();
      pushChildren(stack, root.getValue(), pad, true);
      boolean first = true;
      while (!stack.isEmpty()) {
        Frame fr = stack.pop();
        String base = first ? head : fr.base();
        first = false;
        PciDev f = fr.dev();
        out.append(base).append(fr.glyph()).append(label(f)).append('\n');
        List<PciDev> below = children.getOrDefault(f.bdf(), ImmutableList.of());
        pushChildren(stack, below, fr.base() + (fr.glyph().equals("+-") ? "|   " : "    "), false);
      }
    }
    if (!machine.description().platform().isEmpty()) {
      out.append("platform:\n");
      for (DeviceState d : states.values()) {
        if (!d.pci()) {
          out.append("  ").append(d.device()).append("  ").append(annotation(d)).append('\n');
        }
      }
    }
    return out.toString();
  }

  /** One function to draw: the text before its glyph, and its glyph. */
  private record Frame(PciDev dev, String base, String glyph) {}

  private static void pushChildren(
      Deque<Frame> stack, List<PciDev> devs, String base, boolean root) {
    for (int i = devs.size() - 1; i >= 0; i--) {
      String glyph;
      if (devs.size() == 1) {
        glyph = root ? "--" : "\\-";
      } else {
        glyph = i == devs.size() - 1 ? "\\-" : "+-";
      }
      stack.push(new Frame(devs.get(i), base, glyph));
    }
  }

  private String label(PciDev f) {
    StringBuilder s =
        new StringBuilder(String.format("%02x.%x", f.bdf().device(), f.bdf().function()));
    if (f.type().isBridge()) {
      s.append(
          f.secondary() == f.subordinate()
              ? String.format("-[%02x]", f.secondary())
              : String.format("-[%02x-%02x]", f.secondary(), f.subordinate()));
    }
    DeviceState d = states.get(f.bdf().toString());
    s.append("  ").append(d == null ? "" : annotation(f, d));
    return s.toString();
  }

  private static String annotation(PciDev f, DeviceState d) {
    return String.format("%04x:%04x ", f.vendorId(), f.deviceId()) + annotation(d);
  }

  /**
   * One device's annotation: driver, then the instance, IDs and group, the error, or the absence of
   * an IOMMU.
   *
   * @param d the device's end state
   * @return the annotation
   */
  static String annotation(DeviceState d) {
    StringBuilder s = new StringBuilder();
    s.append(d.driver() == null ? "(no driver)" : d.driver());
    switch (d.result()) {
      case OK ->
          s.append(" -> ")
              .append(d.iommu())
              .append(" ids ")
              .append(ids(d))
              .append(" group ")
              .append(d.group());
      case ERROR ->
          s.append(" !! ")
              .append(d.errno())
              .append(d.ids().isEmpty() ? "" : " ids ")
              .append(d.ids().isEmpty() ? "" : ids(d));
      case NONE -> s.append(" (no IOMMU)");
      case UNPROBED -> s.append(" (not DMA-configured)");
    }
    return s.toString();
  }

  /**
   * A device's IDs as comma-separated hex.
   *
   * @param d the device
   * @return the IDs
   */
  static String ids(DeviceState d) {
    StringBuilder s = new StringBuilder();
    for (int id : d.ids().toArray()) {
      if (s.length() > 0) {
        s.append(',');
      }
      s.append("0x").append(Integer.toHexString(id));
    }
    return s.toString();
  }
}
