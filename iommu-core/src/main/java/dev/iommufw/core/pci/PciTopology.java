package dev.iommufw.core.pci;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSortedSet;
import com.google.common.primitives.ImmutableIntArray;
import com.google.errorprone.annotations.CanIgnoreReturnValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The PCI functions of one system and the bridges above them, as enumeration found them: the root
 * buses of each segment (one per host bridge) and every function, linked to its parent bridge.
 *
 * <p>This is where the kernel's {@code pci_for_each_dma_alias()} lives ({@link #dmaAliases}, {@link
 * #forEachDmaAlias}): the firmware glue consumes {@link PciFunction#dmaAliases()} built by {@link
 * #pciFunction(PciDev)}, and {@link dev.iommufw.core.ProbeContext#pciDeviceGroup()} walks the same
 * aliases, so there is one alias walk in the project. ACS isolation ({@link #isolated}, {@link
 * #isolatedPath}) decides how far the group climbs.
 *
 * <p>Valid by construction: unique addresses; every parent is a bridge of the topology on the same
 * segment; every function sits on a root bus of its segment or inside its parent's {@code
 * secondary}..{@code subordinate} window; parent links form no cycle. Immutable and thread-safe.
 */
public final class PciTopology {
  private final ImmutableSortedSet<Long> rootBuses;
  private final ImmutableMap<Bdf, PciDev> functions;
  private final ImmutableList<PciDev> ordered;

  private PciTopology(ImmutableSortedSet<Long> rootBuses, Map<Bdf, PciDev> byBdf) {
    this.rootBuses = rootBuses;
    this.functions = ImmutableMap.copyOf(byBdf);
    this.ordered = ImmutableList.copyOf(byBdf.values());
  }

  /**
   * Starts building a topology.
   *
   * @return an empty builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Whether {@code bus} is a root bus (the bus of a host bridge) of {@code segment} (kernel: {@code
   * pci_is_root_bus()}).
   *
   * @param segment PCI segment
   * @param bus bus number
   * @return true for a root bus
   */
  public boolean isRootBus(int segment, int bus) {
    return rootBuses.contains(key(segment, bus));
  }

  /**
   * The functions, in address order.
   *
   * @return all functions
   */
  public ImmutableList<PciDev> functions() {
    return ordered;
  }

  /**
   * The function at an address.
   *
   * @param bdf an address
   * @return the function, or null
   */
  public @Nullable PciDev function(Bdf bdf) {
    return functions.get(bdf);
  }

  /**
   * The bridge directly above a function's bus (kernel: {@code pdev->bus->self}): its parent,
   * unless the function sits on a root bus.
   *
   * @param dev a function of this topology
   * @return the bridge, or null on a root bus
   */
  public @Nullable PciDev upstreamBridge(PciDev dev) {
    Bdf parent = dev.parent();
    if (parent == null || isRootBus(dev.bdf().segment(), dev.bdf().bus())) {
      return null;
    }
    return functions.get(parent);
  }

  // ============================================================================================
  // pci_for_each_dma_alias
  // ============================================================================================

  /**
   * Visits a function's DMA aliases in the kernel's order (kernel: {@code
   * pci_for_each_dma_alias()}; see <a
   * href="{@docRoot}/dev/iommufw/core/doc-files/kernel-rules.html#aliases">DMA aliases</a>) and
   * stops at the first visit that returns non-null, returning that value.
   *
   * <p>Order: the function's own RID; its quirk alias devfns on its own bus, ascending; then, for
   * each bridge from the function's bus up to a root bus: a translation-root bridge stops the walk;
   * a conventional (non-PCIe) bridge gives {@code secondary << 8 | 0} when flagged {@code
   * PCIE_BRIDGE_ALIAS}, else its own RID; a PCIe root port or switch port gives nothing; a
   * PCIe-to-PCI bridge gives {@code secondary << 8 | 0}; a PCI-to-PCIe bridge gives its own RID.
   *
   * @param dev a function of this topology
   * @param visitor called once per alias; non-null stops the walk
   * @param <R> the visitor's result type
   * @return the first non-null visit result, or null if every visit returned null
   */
  public <R> @Nullable R forEachDmaAlias(PciDev dev, Function<PciDmaAlias, @Nullable R> visitor) {
    return walk(dev, true, visitor);
  }

  /**
   * A function's DMA aliases, each with its carrier, in the order of {@link #forEachDmaAlias}.
   *
   * @param dev a function of this topology
   * @return the aliases; never empty
   */
  public ImmutableList<PciDmaAlias> dmaAliases(PciDev dev) {
    return dmaAliases(dev, true);
  }

  /**
   * A function's DMA aliases, with or without the kernel's PCI quirks: without them, quirk alias
   * devfns and the {@code PCIE_BRIDGE_ALIAS} and translation-root flags are ignored, which is how a
   * PCI model without quirks (QEMU's) routes DMA.
   *
   * @param dev a function of this topology
   * @param quirks whether to apply the quirk aliases and flags
   * @return the aliases; never empty
   */
  public ImmutableList<PciDmaAlias> dmaAliases(PciDev dev, boolean quirks) {
    ImmutableList.Builder<PciDmaAlias> out = ImmutableList.builder();
    Object unused =
        walk(
            dev,
            quirks,
            alias -> {
              out.add(alias);
              return null;
            });
    return out.build();
  }

  private <R> @Nullable R walk(
      PciDev dev, boolean quirks, Function<PciDmaAlias, @Nullable R> visitor) {
    checkMember(dev);
    int bus = dev.bdf().bus();
    R r = visitor.apply(new PciDmaAlias(dev.bdf().requesterId(), dev));
    if (r != null) {
      return r;
    }
    if (quirks) {
      for (int devfn : dev.quirkAliasDevfns().toArray()) {
        r = visitor.apply(new PciDmaAlias(bus << 8 | devfn, dev));
        if (r != null) {
          return r;
        }
      }
    }
    // Iterative and bounded: parent links are acyclic (checked at construction).
    for (PciDev b = upstreamBridge(dev); b != null; b = upstreamBridge(b)) {
      if (quirks && b.translationRoot()) {
        return null;
      }
      int alias;
      if (!b.pcie()) {
        alias = quirks && b.pcieBridgeAlias() ? b.secondary() << 8 : b.bdf().requesterId();
      } else {
        switch (b.type()) {
          case PCIE_TO_PCI_BRIDGE -> alias = b.secondary() << 8;
          case PCI_TO_PCIE_BRIDGE -> alias = b.bdf().requesterId();
          default -> {
            continue; // root and switch ports forward the requester ID unchanged
          }
        }
      }
      r = visitor.apply(new PciDmaAlias(alias, b));
      if (r != null) {
        return r;
      }
    }
    return null;
  }

  /**
   * The function's identity for the firmware glue: segment, own RID and the RIDs of {@link
   * #dmaAliases(PciDev)}.
   *
   * @param dev a function of this topology
   * @return the glue's view of the function
   */
  public PciFunction pciFunction(PciDev dev) {
    ImmutableIntArray.Builder rids = ImmutableIntArray.builder();
    for (PciDmaAlias a : dmaAliases(dev)) {
      rids.add(a.requesterId());
    }
    return new PciFunction(dev.bdf(), rids.build());
  }

  // ============================================================================================
  // ACS isolation
  // ============================================================================================

  /**
   * Whether the function isolates peer-to-peer DMA (kernel: {@code pci_acs_enabled()} with source
   * validation, request and completion redirect and upstream forwarding; see <a
   * href="{@docRoot}/dev/iommufw/core/doc-files/kernel-rules.html#groups">IOMMU groups</a>). The
   * first rule that applies: an Intel root-complex integrated endpoint is isolated (quirk {@code
   * pci_quirk_rciep_acs}); a conventional function, a PCI-to-PCIe or a PCIe-to-PCI bridge is not; a
   * root or downstream port, or a multi-function endpoint, integrated endpoint or upstream port, is
   * isolated when its ACS controls are enabled; anything else (a single-function PCIe endpoint or
   * upstream port) is isolated.
   *
   * @param dev a function
   * @return true if isolated
   */
  public static boolean isolated(PciDev dev) {
    if (dev.type() == PciType.RC_INTEGRATED_ENDPOINT && dev.vendorId() == 0x8086) {
      return true;
    }
    if (!dev.pcie()
        || dev.type() == PciType.PCI_TO_PCIE_BRIDGE
        || dev.type() == PciType.PCIE_TO_PCI_BRIDGE) {
      return false;
    }
    return switch (dev.type()) {
      case ROOT_PORT, DOWNSTREAM_PORT -> dev.acs();
      case ENDPOINT, RC_INTEGRATED_ENDPOINT, UPSTREAM_PORT -> !dev.multifunction() || dev.acs();
      default -> true;
    };
  }

  /**
   * Whether the function and every bridge above it up to its root bus are {@link #isolated}
   * (kernel: {@code pci_acs_path_enabled(dev, NULL, flags)}).
   *
   * @param dev a function of this topology
   * @return true if the whole path is isolated
   */
  public boolean isolatedPath(PciDev dev) {
    checkMember(dev);
    for (PciDev x = dev; x != null; x = upstreamBridge(x)) {
      if (!isolated(x)) {
        return false;
      }
    }
    return true;
  }

  /**
   * The functions of a function's slot: same segment, bus and device number, in address order, the
   * function itself included.
   *
   * @param dev a function of this topology
   * @return the slot's functions
   */
  public ImmutableList<PciDev> slot(PciDev dev) {
    checkMember(dev);
    ImmutableList.Builder<PciDev> out = ImmutableList.builder();
    Bdf b = dev.bdf();
    for (int fn = 0; fn < 8; fn++) {
      PciDev f = functions.get(new Bdf(b.segment(), b.bus(), b.device() << 3 | fn));
      if (f != null) {
        out.add(f);
      }
    }
    return out.build();
  }

  /**
   * Calls {@code action} with the segment and bus of every root bus, in (segment, bus) order.
   *
   * @param action receives segment and bus
   */
  public void forEachRootBus(java.util.function.BiConsumer<Integer, Integer> action) {
    for (long k : rootBuses) {
      action.accept((int) (k >>> 8), (int) (k & 0xff));
    }
  }

  private void checkMember(PciDev dev) {
    checkArgument(
        dev.equals(functions.get(dev.bdf())), "%s is not a function of this topology", dev.bdf());
  }

  private static long key(int segment, int bus) {
    return (long) segment << 8 | bus;
  }

  @Override
  public String toString() {
    return "PciTopology[" + ordered.size() + " functions]";
  }

  /** Builds a {@link PciTopology}. Not thread-safe. */
  public static final class Builder {
    private final TreeSet<Long> rootBuses = new TreeSet<>();
    private final List<PciDev> added = new ArrayList<>();

    private Builder() {}

    /**
     * Adds a root bus (a host bridge's bus).
     *
     * @param segment PCI segment, 0–0xffff
     * @param bus bus number, 0–0xff
     * @return this builder
     */
    @CanIgnoreReturnValue
    public Builder rootBus(int segment, int bus) {
      checkArgument(segment >= 0 && segment <= 0xffff, "segment out of range: %s", segment);
      checkArgument(bus >= 0 && bus <= 0xff, "bus out of range: %s", bus);
      rootBuses.add(key(segment, bus));
      return this;
    }

    /**
     * Adds a function.
     *
     * @param dev the function
     * @return this builder
     */
    @CanIgnoreReturnValue
    public Builder add(PciDev dev) {
      added.add(checkNotNull(dev));
      return this;
    }

    /**
     * Builds the topology.
     *
     * @return the topology
     * @throws IllegalArgumentException naming the first inconsistency: a duplicate address, a
     *     parent that is not a bridge of the topology, a function neither on a root bus nor inside
     *     its parent's bus window, or a cycle of parent links
     */
    public PciTopology build() {
      TreeMap<Bdf, PciDev> byBdf = new TreeMap<>();
      for (PciDev d : added) {
        checkArgument(byBdf.put(d.bdf(), d) == null, "duplicate function %s", d.bdf());
      }
      ImmutableSortedSet<Long> roots = ImmutableSortedSet.copyOf(rootBuses);
      for (PciDev d : byBdf.values()) {
        Bdf p = d.parent();
        PciDev parent = p == null ? null : byBdf.get(p);
        checkArgument(
            p == null || (parent != null && parent.type().isBridge()),
            "parent %s of %s is not a bridge",
            p,
            d.bdf());
        boolean onRoot = roots.contains(key(d.bdf().segment(), d.bdf().bus()));
        boolean inWindow =
            parent != null
                && d.bdf().bus() >= parent.secondary()
                && d.bdf().bus() <= parent.subordinate();
        checkArgument(
            onRoot || inWindow,
            "%s is neither on a root bus nor inside its parent's bus window",
            d.bdf());
      }
      // Cycle check in O(n): each function is walked from at most once (marked done after).
      java.util.Set<Bdf> done = new java.util.HashSet<>();
      for (PciDev d : byBdf.values()) {
        java.util.Set<Bdf> path = new java.util.HashSet<>();
        for (Bdf b = d.bdf();
            b != null && !done.contains(b);
            b = checkNotNull(byBdf.get(b)).parent()) {
          checkArgument(path.add(b), "parent links of %s form a cycle", d.bdf());
        }
        done.addAll(path);
      }
      return new PciTopology(roots, byBdf);
    }
  }
}
