package dev.iommufw.of;

import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableList;
import com.google.common.primitives.ImmutableIntArray;
import dev.iommufw.core.BusKind;
import dev.iommufw.core.Device;
import dev.iommufw.core.DmaConfigure;
import dev.iommufw.core.DmaConfigureResult;
import dev.iommufw.core.Errno;
import dev.iommufw.core.FwNode;
import dev.iommufw.core.IommuCore;
import dev.iommufw.core.IommuException;
import dev.iommufw.core.IommuFwspec;
import dev.iommufw.core.pci.PciFunction;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import org.jspecify.annotations.Nullable;

/**
 * The device tree IOMMU glue for one blob: firmware-node identity for its nodes, the redesigned
 * {@code of_iommu_configure()}, and device population.
 *
 * <p><b>Identity.</b> Every node of the tree has exactly one {@link FwNode} ({@link
 * #fwNode(FdtNode)}, kernel: {@code of_fwnode_handle()}), backed by the {@link FdtNode} so that
 * drivers can read the node's properties. A device created from a node and an IOMMU instance
 * registered with that node therefore agree.
 *
 * <p><b>Configure</b> ({@link #configure}) follows the kernel's {@code of_iommu_configure()}:
 * platform devices use {@code iommus} with each target's {@code #iommu-cells}; PCI functions use
 * the host's {@code iommu-map}/{@code iommu-map-mask}, once per DMA alias; buses with an input ID
 * (fsl-mc) use {@code iommu-map} with that ID. The fwspec is built off the device — the driver
 * translates each specifier through {@link IommuCore#fwspecOfXlate} — and the formed fwspec is
 * handed to {@link IommuCore#probeDevice(Device, IommuFwspec)}. Nothing is ever left on the device
 * when configuration defers or fails.
 *
 * <p>Immutable and thread-safe.
 */
public final class OfIommu {
  /** The host property that, from Linux 6.11, sets {@link IommuFwspec#FLAG_PCI_RC_ATS}. */
  public static final String ATS_SUPPORTED = "ats-supported";

  private final Fdt fdt;
  private final FwNode[] fwNodes;
  private final boolean atsFromDeviceTree;

  private OfIommu(Fdt fdt, boolean atsFromDeviceTree) {
    this.fdt = fdt;
    this.atsFromDeviceTree = atsFromDeviceTree;
    ImmutableList<FdtNode> nodes = fdt.nodes();
    fwNodes = new FwNode[nodes.size()];
    for (FdtNode node : nodes) {
      fwNodes[node.index()] = FwNode.create(node.path(), node);
    }
  }

  /**
   * The glue for a tree, with the Linux 6.1 behaviour: the device tree never sets the ATS flag.
   *
   * @param fdt the parsed tree
   * @return the glue
   */
  public static OfIommu of(Fdt fdt) {
    return new OfIommu(checkNotNull(fdt), false);
  }

  /**
   * The glue for a tree, choosing whether {@code ats-supported} on a PCI host sets {@link
   * IommuFwspec#FLAG_PCI_RC_ATS} (Linux 6.11 and later) or not (the series and 6.1).
   *
   * @param fdt the parsed tree
   * @param atsFromDeviceTree true for the 6.11 behaviour
   * @return the glue
   */
  public static OfIommu of(Fdt fdt, boolean atsFromDeviceTree) {
    return new OfIommu(checkNotNull(fdt), atsFromDeviceTree);
  }

  /**
   * The tree.
   *
   * @return the tree
   */
  public Fdt fdt() {
    return fdt;
  }

  /**
   * The firmware node of a tree node (kernel: {@code of_fwnode_handle()}); always the same object
   * for the same node.
   *
   * @param node a node of this tree
   * @return its firmware node
   * @throws IllegalArgumentException if the node is from another tree
   */
  public FwNode fwNode(FdtNode node) {
    int index = node.index();
    if (index < 0 || index >= fwNodes.length || !fwNodes[index].isSourceOf(node)) {
      throw new IllegalArgumentException(node.path() + " is not a node of this tree");
    }
    return fwNodes[index];
  }

  /**
   * The firmware node of the tree node at a path.
   *
   * @param path a full path, for example {@code /smmuv3@9050000}
   * @return its firmware node
   * @throws IllegalArgumentException if the tree has no node there
   */
  public FwNode fwNode(String path) {
    FdtNode node = fdt.node(path);
    if (node == null) {
      throw new IllegalArgumentException("no node at " + path);
    }
    return fwNode(node);
  }

  /**
   * The tree node behind a firmware node, if it is one of this tree's.
   *
   * @param node a firmware node
   * @return the tree node, or null
   */
  public @Nullable FdtNode fdtNode(FwNode node) {
    FdtNode n = node.source(FdtNode.class);
    if (n != null && n.index() < fwNodes.length && fwNodes[n.index()] == node) {
      return n;
    }
    return null;
  }

  // ============================================================================================
  // of_iommu_configure
  // ============================================================================================

  /**
   * Configures a device's IOMMU from the tree (kernel: {@code of_iommu_configure()} as the series'
   * "iommu/of: Do not use dev-&gt;iommu within of_iommu_configure()" made it: the fwspec is built
   * off the device and handed to the core complete).
   *
   * @param core the system
   * @param dev a device of {@code core}
   * @param master the node to parse: the device's own node for platform devices, the PCI host
   *     controller node for PCI functions, the bus node for buses with an input ID; null for none
   * @param inputId the bus-supplied input ID (fsl-mc ICID, …), or null
   * @return configured, no IOMMU, deferred, or failed
   */
  public DmaConfigureResult configure(
      IommuCore core, Device dev, @Nullable FdtNode master, @Nullable Integer inputId) {
    checkNotNull(core);
    checkNotNull(dev);
    if (master == null) {
      return new DmaConfigureResult.NoIommu("no firmware node to parse");
    }
    try (IommuFwspec fwspec = core.allocFwspec()) {
      Step step;
      PciFunction pci = dev.pci();
      if (pci != null) {
        step = configurePciAliases(core, dev, master, pci, fwspec);
        if (atsFromDeviceTree && master.hasProperty(ATS_SUPPORTED)) {
          fwspec.addFlags(IommuFwspec.FLAG_PCI_RC_ATS);
        }
      } else if (inputId != null) {
        step = mapAndXlate(core, dev, master, inputId, fwspec);
      } else {
        step = configureIommus(core, dev, master, fwspec);
      }
      if (step != Step.OK_SENTINEL) {
        return step.result(fwspec);
      }
      return handOff(core, dev, fwspec);
    }
  }

  /**
   * The DMA-configure step for a device created from this tree (kernel: {@code bus->dma_configure}
   * → {@code of_dma_configure_id()}).
   *
   * @param master the node to parse (see {@link #configure})
   * @param inputId the bus-supplied input ID, or null
   * @return a step that calls {@link #configure}
   */
  public DmaConfigure dmaConfigureStep(@Nullable FdtNode master, @Nullable Integer inputId) {
    return (core, dev) -> configure(core, dev, master, inputId);
  }

  /**
   * The outcome of parsing one device before the hand-off: {@link #OK_SENTINEL} to go on, an early
   * result (no IOMMU, deferred), or a failure whose result also reports the IDs built.
   */
  private static final class Step {
    static final Step OK_SENTINEL = new Step(null, null, "ok");
    final @Nullable DmaConfigureResult early;
    final @Nullable Errno error;
    final String reason;

    private Step(@Nullable DmaConfigureResult early, @Nullable Errno error, String reason) {
      this.early = early;
      this.error = error;
      this.reason = reason;
    }

    static Step none(String reason) {
      return new Step(new DmaConfigureResult.NoIommu(reason), null, reason);
    }

    static Step deferred(FwNode node) {
      return new Step(new DmaConfigureResult.Deferred(node), null, "deferred");
    }

    static Step failed(Errno errno, String reason) {
      return new Step(null, errno, reason);
    }

    DmaConfigureResult result(IommuFwspec fwspec) {
      if (early != null) {
        return early;
      }
      return new DmaConfigureResult.Failed(checkNotNull(error), reason, fwspec.ids());
    }
  }

  private Step configureIommus(IommuCore core, Device dev, FdtNode master, IommuFwspec fwspec) {
    OfIommus iommus = OfIommus.parse(fdt, master);
    if (iommus.entries().isEmpty()) {
      return Step.none("no iommus entries");
    }
    for (IommusEntry entry : iommus.entries()) {
      Step step = xlate(core, dev, entry.target(), entry.specifier(), fwspec);
      if (step != Step.OK_SENTINEL) {
        return step;
      }
    }
    return Step.OK_SENTINEL;
  }

  private Step configurePciAliases(
      IommuCore core, Device dev, FdtNode master, PciFunction pci, IommuFwspec fwspec) {
    // pci_for_each_dma_alias(): one look-up per alias; the first non-OK result ends the walk.
    for (int alias : pci.dmaAliases().toArray()) {
      Step step = mapAndXlate(core, dev, master, alias, fwspec);
      if (step != Step.OK_SENTINEL) {
        return step;
      }
    }
    return Step.OK_SENTINEL;
  }

  private Step mapAndXlate(IommuCore core, Device dev, FdtNode master, int id, IommuFwspec fwspec) {
    MapResult mapped = IommuMap.parse(fdt, master).mapId(id);
    if (mapped instanceof MapResult.Failed failed) {
      return switch (failed.error()) {
        case ENODEV -> Step.none("no iommu-map on " + master.path());
        case EINVAL -> Step.failed(Errno.EINVAL, "malformed iommu-map on " + master.path());
        case EFAULT ->
            Step.failed(
                Errno.EFAULT,
                "iommu-map entry "
                    + failed.entryIndex()
                    + " of "
                    + master.path()
                    + " has a base outside iommu-map-mask");
      };
    }
    if (mapped instanceof MapResult.NoMatch) {
      return Step.none(String.format(Locale.ROOT, "no iommu-map entry for 0x%x", id));
    }
    MapResult.Mapped hit = (MapResult.Mapped) mapped;
    FdtNode target = hit.node();
    if (target == null) {
      return Step.none("iommu-map entry " + hit.entryIndex() + " names no node");
    }
    return xlate(core, dev, target, ImmutableIntArray.of(hit.outId()), fwspec);
  }

  /** One specifier (kernel: {@code of_iommu_xlate()} in the series). */
  private Step xlate(
      IommuCore core, Device dev, FdtNode iommu, ImmutableIntArray args, IommuFwspec fwspec) {
    if (!iommu.isAvailable()) {
      return Step.none("IOMMU " + iommu.path() + " is not available");
    }
    try {
      core.fwspecOfXlate(fwspec, dev, fwNode(iommu), args);
      return Step.OK_SENTINEL;
    } catch (IommuException e) {
      if (e.errno() == Errno.EPROBE_DEFER) {
        FwNode waitingFor = e.waitingFor();
        return Step.deferred(waitingFor != null ? waitingFor : fwNode(iommu));
      }
      if (e.errno() == Errno.ENODEV) {
        return Step.none(String.valueOf(e.getMessage()));
      }
      return Step.failed(e.errno(), String.valueOf(e.getMessage()));
    }
  }

  private static DmaConfigureResult handOff(IommuCore core, Device dev, IommuFwspec fwspec) {
    FwNode iommu = checkNotNull(fwspec.iommuFwNode());
    // Ownership passes to the core here, whatever the outcome.
    return DmaConfigureResult.fromProbe(core.probeDevice(dev, fwspec), iommu);
  }

  // ============================================================================================
  // Population
  // ============================================================================================

  /**
   * Creates platform devices for the tree, as {@code of_platform_populate()} would: every node
   * except the root that has a {@code compatible} property, is available, has only available
   * ancestors, and does not sit below a PCI host (those nodes describe PCI functions). Each
   * device's DMA-configure step parses its own node. The devices are not added to a core.
   *
   * @return the devices, in tree order
   */
  public ImmutableList<Device> platformDevices() {
    ImmutableList.Builder<Device> out = ImmutableList.builder();
    for (FdtNode node : fdt.nodes()) {
      if (node.parent() == null
          || node.compatible().isEmpty()
          || !availableWithAncestors(node)
          || belowPciHost(node)) {
        continue;
      }
      out.add(
          Device.builder(node.path(), BusKind.PLATFORM)
              .fwNode(fwNode(node))
              .dmaConfigureStep(dmaConfigureStep(node, null))
              .build());
    }
    return out.build();
  }

  /**
   * The PCI host bridges of the tree: available nodes whose {@code device_type} is {@code pci}.
   *
   * @return the hosts, in tree order
   */
  public ImmutableList<FdtNode> pciHosts() {
    List<FdtNode> hosts = new ArrayList<>();
    for (FdtNode node : fdt.nodes()) {
      if (isPciHost(node) && availableWithAncestors(node) && !belowPciHost(node)) {
        hosts.add(node);
      }
    }
    return ImmutableList.copyOf(hosts);
  }

  /**
   * Creates the device for a PCI function below a host. Its firmware node is the host child node
   * whose {@code reg} names the function's bus and devfn (how a PCI device picks up its {@code
   * of_node}), or a fresh node when there is none. Its DMA-configure step uses the host's {@code
   * iommu-map} once per DMA alias. The device is not added to a core.
   *
   * @param host a PCI host node of this tree
   * @param function the function's PCI identity and DMA aliases
   * @return the device
   */
  public Device pciDevice(FdtNode host, PciFunction function) {
    String name =
        String.format(
            Locale.ROOT,
            "%04x:%02x:%02x.%d",
            function.segment(),
            function.bus(),
            function.devfn() >> 3,
            function.devfn() & 7);
    FdtNode own = pciChildNode(host, function.requesterId());
    return Device.builder(name, BusKind.PCI)
        .pci(function)
        .fwNode(own != null ? fwNode(own) : FwNode.create(name))
        .dmaConfigureStep(dmaConfigureStep(host, null))
        .build();
  }

  /**
   * The child node of a PCI host that describes the function with this requester ID: its first
   * {@code reg} cell holds {@code bus << 16 | devfn << 8} (PCI bus binding).
   *
   * @param host a PCI host node
   * @param requesterId {@code bus << 8 | devfn}
   * @return the node, or null
   */
  public @Nullable FdtNode pciChildNode(FdtNode host, int requesterId) {
    for (FdtNode child : host.children()) {
      OptionalInt reg = child.u32("reg");
      if (reg.isPresent() && ((reg.getAsInt() >>> 8) & 0xffff) == requesterId) {
        return child;
      }
    }
    return null;
  }

  private static boolean isPciHost(FdtNode node) {
    FdtProperty type = node.property("device_type");
    if (type == null) {
      return false;
    }
    byte[] value = type.value();
    int end = 0;
    while (end < value.length && value[end] != 0) {
      end++;
    }
    return end == 3 && value[0] == 'p' && value[1] == 'c' && value[2] == 'i';
  }

  private static boolean availableWithAncestors(FdtNode node) {
    for (FdtNode n = node; n != null; n = n.parent()) {
      if (!n.isAvailable()) {
        return false;
      }
    }
    return true;
  }

  private static boolean belowPciHost(FdtNode node) {
    for (FdtNode n = node.parent(); n != null; n = n.parent()) {
      if (isPciHost(n)) {
        return true;
      }
    }
    return false;
  }
}
