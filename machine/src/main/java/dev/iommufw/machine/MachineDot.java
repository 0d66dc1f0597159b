package dev.iommufw.machine;

import dev.iommufw.core.pci.PciDev;
import dev.iommufw.core.pci.PciTopology;
import dev.iommufw.machine.MachineState.DeviceState;
import dev.iommufw.machine.MachineState.GroupState;
import dev.iommufw.machine.MachineState.Result;
import java.util.HashSet;
import java.util.Set;

/**
 * The Graphviz view of a booted machine: one node per device, one per IOMMU instance, IOMMU groups
 * as clusters, an edge from every bound device to its instance labelled with its IDs, and grey
 * edges from each bridge to the functions below it. Render with {@code dot -Tsvg}.
 */
public final class MachineDot {
  private MachineDot() {}

  /**
   * Renders the graph.
   *
   * @param machine the machine
   * @param state its end state
   * @return the DOT source, lines ending in {@code \n}
   */
  public static String render(Machine machine, MachineState state) {
    StringBuilder out = new StringBuilder();
    out.append("digraph ").append(q(machine.description().name())).append(" {\n");
    out.append("  graph [rankdir=LR, fontname=\"Helvetica\", label=")
        .append(
            q(machine.description().name() + " (kernel " + machine.description().kernel() + ")"))
        .append("];\n");
    out.append("  node [shape=box, fontname=\"Helvetica\", fontsize=10];\n");
    out.append("  edge [fontname=\"Helvetica\", fontsize=9];\n");
    for (String name : machine.instanceNames()) {
      String what = machine.describeInstance(name);
      out.append("  ")
          .append(q("iommu:" + name))
          .append(" [shape=ellipse, style=filled, ")
          .append("fillcolor=\"#fde9b8\", label=")
          .append(q(name + "\n" + what))
          .append("];\n");
    }
    Set<String> clustered = new HashSet<>();
    int n = 0;
    for (GroupState g : state.groups()) {
      out.append("  subgraph ").append(q("cluster_" + n++)).append(" {\n");
      out.append("    label=")
          .append(q("group " + g.name()))
          .append("; style=rounded; color=\"#4a7fb5\";\n");
      for (String member : g.members()) {
        DeviceState d = state.device(member);
        if (d != null) {
          out.append("    ").append(deviceNode(d)).append('\n');
          clustered.add(member);
        }
      }
      out.append("  }\n");
    }
    for (DeviceState d : state.devices()) {
      if (!clustered.contains(d.device())) {
        out.append("  ").append(deviceNode(d)).append('\n');
      }
    }
    for (DeviceState d : state.devices()) {
      if (d.result() == Result.OK && d.iommu() != null) {
        out.append("  ")
            .append(q(d.device()))
            .append(" -> ")
            .append(q("iommu:" + d.iommu()))
            .append(" [label=")
            .append(q(MachineText.ids(d)))
            .append("];\n");
      }
    }
    PciTopology t = machine.topology();
    for (PciDev f : t.functions()) {
      PciDev up = t.upstreamBridge(f);
      if (up != null) {
        out.append("  ")
            .append(q(up.bdf().toString()))
            .append(" -> ")
            .append(q(f.bdf().toString()))
            .append(" [color=\"#aaaaaa\", arrowhead=none, style=dashed];\n");
      }
    }
    out.append("}\n");
    return out.toString();
  }

  private static String deviceNode(DeviceState d) {
    String fill =
        switch (d.result()) {
          case OK -> "#d9ead3";
          case ERROR -> "#f4cccc";
          case NONE -> "#eeeeee";
          case UNPROBED -> "#ffffff";
        };
    String driver = d.driver() == null ? "(no driver)" : d.driver();
    String label =
        d.device()
            + "\n"
            + switch (d.result()) {
              case OK -> driver;
              case ERROR ->
                  driver
                      + "\n"
                      + d.errno()
                      + (d.ids().isEmpty() ? "" : " ids " + MachineText.ids(d));
              case NONE -> driver + "\nno IOMMU";
              case UNPROBED -> driver + "\nnot DMA-configured";
            };
    return q(d.device()) + " [style=filled, fillcolor=\"" + fill + "\", label=" + q(label) + "];";
  }

  /** A DOT quoted string. */
  private static String q(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        default -> b.append(c < 0x20 ? ' ' : c);
      }
    }
    return b.append('"').toString();
  }
}
