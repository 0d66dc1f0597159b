package dev.iommufw.acpi;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.Sets;
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
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The ACPI IOMMU glue for one system's tables: firmware-node identity for IORT SMMU/PMCG nodes,
 * VIOT IOMMUs and PCI functions, and the redesigned {@code acpi_iommu_configure_id()}.
 *
 * <p><b>Identity</b> (kernel: one {@code struct fwnode_handle} per firmware object, compared by
 * identity): each IORT SMMUv1/v2, SMMUv3 and PMCG node has one {@link FwNode} ({@link
 * #iortFwNode}), created up front as Linux does at boot; a VIOT virtio-iommu over PCI is identified
 * by the PCI function at its segment and BDF, whose {@link FwNode} ({@link #pciFwNode}) the PCI
 * device created here also carries; a virtio-iommu over MMIO by its base address ({@link
 * #mmioFwNode}).
 *
 * <p><b>Configure</b> ({@link #configure}): the IORT first (PCI functions through the root complex
 * of their segment, once per DMA alias; other devices through the named component that matches
 * their ACPI path, by platform IDs or a bus input ID), then — only when the IORT gives exactly "no
 * IOMMU" — the VIOT. The fwspec is built off the device and handed to {@link
 * IommuCore#probeDevice(Device, IommuFwspec)}. The IORT root complex's ATS attribute sets {@link
 * IommuFwspec#FLAG_PCI_RC_ATS}.
 *
 * <p>Non-PCI devices are matched by {@link Device#name()}, which must be the device's full ACPI
 * path with every segment written out to four characters ({@code \_SB_.PCI0.DEV_}), as Linux
 * compares it.
 *
 * <p>Immutable and thread-safe.
 */
public final class AcpiIommu {
  private final @Nullable Iort iort;
  private final @Nullable Viot viot;
  private final Set<AcpiIommuDriver> enabled;
  private final Map<Long, FwNode> iortFwNodes = new HashMap<>();
  private final Map<Long, FwNode> pciFwNodes = new HashMap<>();
  private final Map<Long, FwNode> mmioFwNodes = new HashMap<>();

  private AcpiIommu(@Nullable Iort iort, @Nullable Viot viot, Set<AcpiIommuDriver> enabled) {
    this.iort = iort;
    this.viot = viot;
    this.enabled = Sets.immutableEnumSet(enabled);
    if (iort != null) {
      for (IortNode node : iort.nodes()) {
        int type = node.typeCode();
        if (type == IortNode.SMMU || type == IortNode.SMMU_V3 || type == IortNode.PMCG) {
          iortFwNodes.put(
              node.offset(),
              FwNode.create(String.format(Locale.ROOT, "iort@0x%x", node.offset()), node));
        }
      }
    }
  }

  /**
   * The glue for a system's tables, with every driver type enabled.
   *
   * @param iort the IORT, or null when the system has none
   * @param viot the VIOT, or null when the system has none
   * @return the glue
   */
  public static AcpiIommu of(@Nullable Iort iort, @Nullable Viot viot) {
    return new AcpiIommu(iort, viot, EnumSet.allOf(AcpiIommuDriver.class));
  }

  /**
   * The glue for a system's tables with only some IOMMU driver types enabled in the kernel
   * configuration.
   *
   * @param iort the IORT, or null
   * @param viot the VIOT, or null
   * @param enabledDrivers the driver types built in or available as modules
   * @return the glue
   */
  public static AcpiIommu of(
      @Nullable Iort iort, @Nullable Viot viot, Set<AcpiIommuDriver> enabledDrivers) {
    EnumSet<AcpiIommuDriver> copy = EnumSet.noneOf(AcpiIommuDriver.class);
    copy.addAll(enabledDrivers);
    return new AcpiIommu(iort, viot, copy);
  }

  /**
   * The IORT, if the system has one.
   *
   * @return the table, or null
   */
  public @Nullable Iort iort() {
    return iort;
  }

  /**
   * The VIOT, if the system has one.
   *
   * @return the table, or null
   */
  public @Nullable Viot viot() {
    return viot;
  }

  /**
   * The firmware node Linux creates for an IORT SMMUv1/v2, SMMUv3 or PMCG node; an SMMU driver
   * registers its instance with it.
   *
   * @param node a node of this glue's IORT
   * @return the firmware node
   * @throws IllegalArgumentException for other node types or other tables
   */
  public FwNode iortFwNode(IortNode node) {
    FwNode fw = iortFwNodes.get(node.offset());
    checkArgument(fw != null && fw.isSourceOf(node), "no firmware node for %s", node);
    return fw;
  }

  /**
   * The firmware node of the PCI function at (segment, requester ID): the identity of a VIOT
   * virtio-iommu carried by that function, and the node of the device {@link #pciDevice} makes.
   *
   * @param segment PCI segment
   * @param requesterId {@code bus << 8 | devfn}
   * @return always the same node for the same function
   */
  public FwNode pciFwNode(int segment, int requesterId) {
    long key = (long) segment << 16 | requesterId;
    synchronized (pciFwNodes) {
      return pciFwNodes.computeIfAbsent(
          key,
          k ->
              FwNode.create(
                  String.format(
                      Locale.ROOT,
                      "%04x:%02x:%02x.%d",
                      segment,
                      requesterId >> 8,
                      (requesterId >> 3) & 0x1f,
                      requesterId & 7)));
    }
  }

  /**
   * The firmware node of the MMIO device at a base address (a VIOT virtio-iommu over MMIO).
   *
   * @param base the device's first MMIO address
   * @return always the same node for the same base
   */
  public FwNode mmioFwNode(long base) {
    synchronized (mmioFwNodes) {
      return mmioFwNodes.computeIfAbsent(
          base, b -> FwNode.create(String.format(Locale.ROOT, "mmio@0x%x", b)));
    }
  }

  /**
   * The firmware node of a VIOT IOMMU node.
   *
   * @param iommu a VIOT IOMMU node
   * @return its firmware node
   */
  public FwNode viotFwNode(ViotNode.Iommu iommu) {
    if (iommu instanceof ViotNode.VirtioPciIommu pci) {
      return pciFwNode(pci.segment(), pci.bdf());
    }
    return mmioFwNode(((ViotNode.VirtioMmioIommu) iommu).base());
  }

  // ============================================================================================
  // acpi_iommu_configure_id
  // ============================================================================================

  /**
   * Configures a device's IOMMU from the tables (kernel: {@code acpi_iommu_configure_id()} as
   * "acpi: Do not use dev-&gt;iommu within acpi_iommu_configure()" reshaped it; once the probe has
   * taken the fwspec, it belongs to the core and this method never touches it again).
   *
   * @param core the system
   * @param dev a device of {@code core}: a PCI function, or a device named by its ACPI path
   * @param mmioBase the device's first memory resource, for VIOT MMIO endpoints, or null
   * @param inputId a bus-supplied input ID for named components, or null
   * @return configured, no IOMMU, deferred, or failed
   */
  public DmaConfigureResult configure(
      IommuCore core, Device dev, @Nullable Long mmioBase, @Nullable Integer inputId) {
    checkNotNull(core);
    checkNotNull(dev);
    IommuFwspec fwspec = core.allocFwspec();
    try {
      Outcome outcome = iortConfigure(core, dev, inputId, fwspec);
      if (outcome.result instanceof DmaConfigureResult.NoIommu) {
        // The series tries the VIOT only when the IORT says exactly "no IOMMU". That answer
        // discards what the IORT built (an SMMU and IDs from earlier aliases or platform IDs,
        // the root complex's ATS flag): the VIOT starts from nothing.
        if (fwspec.ops() != null || fwspec.numIds() != 0 || fwspec.flags() != 0) {
          fwspec.close();
          fwspec = core.allocFwspec();
        }
        outcome = viotConfigure(core, dev, mmioBase, fwspec);
      }
      if (outcome.result != null) {
        return outcome.result;
      }
      return handOff(core, dev, fwspec);
    } finally {
      fwspec.close(); // frees it unless it was handed to the core
    }
  }

  /**
   * The DMA-configure step for a device (kernel: {@code acpi_dma_configure_id()}).
   *
   * @param mmioBase the device's first memory resource, or null
   * @param inputId a bus-supplied input ID, or null
   * @return a step that calls {@link #configure}
   */
  public DmaConfigure dmaConfigureStep(@Nullable Long mmioBase, @Nullable Integer inputId) {
    return (core, dev) -> configure(core, dev, mmioBase, inputId);
  }

  /** A finished result, or null for "formed, hand it off". */
  private static final class Outcome {
    static final Outcome FORMED = new Outcome(null);
    final @Nullable DmaConfigureResult result;

    Outcome(@Nullable DmaConfigureResult result) {
      this.result = result;
    }

    static Outcome none(String reason) {
      return new Outcome(new DmaConfigureResult.NoIommu(reason));
    }
  }

  private Outcome iortConfigure(
      IommuCore core, Device dev, @Nullable Integer inputId, IommuFwspec fwspec) {
    Iort table = iort;
    if (table == null) {
      return Outcome.none("no IORT");
    }
    PciFunction pci = dev.pci();
    if (pci != null) {
      IortNode.RootComplex rc = table.findRootComplex(pci.segment());
      if (rc == null) {
        return Outcome.none("no IORT root complex for segment " + pci.segment());
      }
      Outcome outcome = Outcome.FORMED;
      for (int alias : pci.dmaAliases().toArray()) {
        IortWalkResult walk = table.mapId(rc, alias & 0xffffL, IortTarget.IOMMU);
        outcome =
            walk instanceof IortWalkResult.Reached reached
                ? iortXlate(core, dev, reached, fwspec)
                : Outcome.none(
                    "IORT mapping of RID "
                        + Integer.toHexString(alias)
                        + " ends at "
                        + walk.node().offset());
        if (outcome != Outcome.FORMED) {
          break;
        }
      }
      if (rc.ats()) {
        fwspec.addFlags(IommuFwspec.FLAG_PCI_RC_ATS); // freed with the fwspec if the walk failed
      }
      return outcome;
    }
    IortNode.NamedComponent nc = table.findNamedComponent(dev.name());
    if (nc == null) {
      return Outcome.none("no IORT named component " + dev.name());
    }
    if (inputId != null) {
      IortWalkResult walk = table.mapId(nc, inputId & 0xffffffffL, IortTarget.IOMMU);
      return walk instanceof IortWalkResult.Reached reached
          ? iortXlate(core, dev, reached, fwspec)
          : Outcome.none("IORT mapping of input ID ends without an IOMMU");
    }
    Outcome outcome = Outcome.none("named component has no platform ID leading to an IOMMU");
    for (int index = 0; index < nc.mappings().size(); index++) {
      IortWalkResult walk = table.mapPlatformId(nc, IortTarget.IOMMU, index);
      if (!(walk instanceof IortWalkResult.Reached reached)) {
        break;
      }
      outcome = iortXlate(core, dev, reached, fwspec);
      if (outcome != Outcome.FORMED) {
        break;
      }
    }
    return outcome;
  }

  /** Kernel: {@code iort_iommu_xlate()} → {@code acpi_iommu_fwspec_init()}. */
  private Outcome iortXlate(
      IommuCore core, Device dev, IortWalkResult.Reached reached, IommuFwspec fwspec) {
    IortNode smmu = reached.node();
    FwNode node = iortFwNodes.get(smmu.offset());
    if (node == null) {
      return Outcome.none("IORT node without a firmware node");
    }
    AcpiIommuDriver driver =
        smmu.typeCode() == IortNode.SMMU_V3 ? AcpiIommuDriver.SMMU_V3 : AcpiIommuDriver.SMMU;
    return assignAndAppend(core, dev, node, driver, (int) reached.id(), fwspec);
  }

  private Outcome viotConfigure(
      IommuCore core, Device dev, @Nullable Long mmioBase, IommuFwspec fwspec) {
    Viot table = viot;
    if (table == null) {
      return Outcome.none("no VIOT");
    }
    PciFunction pci = dev.pci();
    if (pci != null) {
      Outcome outcome = Outcome.FORMED;
      for (int alias : pci.dmaAliases().toArray()) {
        Viot.PciMatch match = table.lookupPci(pci.segment(), alias);
        if (match == null) {
          return Outcome.none("no VIOT range for " + dev.name());
        }
        outcome = viotXlate(core, dev, match.iommu(), match.endpointId(), fwspec);
        if (outcome != Outcome.FORMED) {
          break;
        }
      }
      return outcome;
    }
    if (mmioBase == null) {
      return Outcome.none("no memory resource for a VIOT look-up");
    }
    Viot.MmioMatch match = table.lookupMmio(mmioBase);
    if (match == null) {
      return Outcome.none("no VIOT MMIO endpoint for " + dev.name());
    }
    return viotXlate(core, dev, match.iommu(), match.endpoint().endpointId(), fwspec);
  }

  /** Kernel: {@code viot_dev_iommu_init()}. */
  private Outcome viotXlate(
      IommuCore core, Device dev, ViotNode.Iommu iommu, long endpointId, IommuFwspec fwspec) {
    FwNode node = viotFwNode(iommu);
    if (dev.fwNode() == node) {
      return new Outcome(
          new DmaConfigureResult.Failed(
              Errno.EINVAL, "an IOMMU is not translated by itself", ImmutableIntArray.of()));
    }
    return assignAndAppend(core, dev, node, AcpiIommuDriver.VIRTIO_IOMMU, (int) endpointId, fwspec);
  }

  /** Kernel: {@code acpi_iommu_fwspec_init()} in the series. */
  private Outcome assignAndAppend(
      IommuCore core, Device dev, FwNode node, AcpiIommuDriver driver, int id, IommuFwspec fwspec) {
    try {
      core.fwspecAssignIommu(fwspec, dev, node);
    } catch (IommuException e) {
      if (e.errno() == Errno.EPROBE_DEFER) {
        return enabled.contains(driver)
            ? new Outcome(new DmaConfigureResult.Deferred(node))
            : Outcome.none(driver + " is not enabled");
      }
      if (e.errno() == Errno.ENODEV) {
        return Outcome.none(String.valueOf(e.getMessage()));
      }
      return new Outcome(
          new DmaConfigureResult.Failed(e.errno(), String.valueOf(e.getMessage()), fwspec.ids()));
    }
    fwspec.appendIds(id);
    return Outcome.FORMED;
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
   * Creates a device for every IORT named component, named by its ACPI path, in table order;
   * shadowed names (a later node with the name of an earlier one) get no second device. The devices
   * are not added to a core.
   *
   * @return the devices
   */
  public ImmutableList<Device> namedComponentDevices() {
    ImmutableList.Builder<Device> out = ImmutableList.builder();
    if (iort != null) {
      Set<String> seen = new java.util.HashSet<>();
      for (IortNode node : iort.nodes()) {
        if (node instanceof IortNode.NamedComponent nc && seen.add(nc.name())) {
          out.add(
              Device.builder(nc.name(), BusKind.PLATFORM)
                  .dmaConfigureStep(dmaConfigureStep(null, null))
                  .build());
        }
      }
    }
    return out.build();
  }

  /**
   * Creates the device for a PCI function; its firmware node is {@link #pciFwNode} of its segment
   * and requester ID. The device is not added to a core.
   *
   * @param function the function's PCI identity and DMA aliases
   * @return the device
   */
  public Device pciDevice(PciFunction function) {
    FwNode node = pciFwNode(function.segment(), function.requesterId());
    return Device.builder(node.description(), BusKind.PCI)
        .pci(function)
        .fwNode(node)
        .dmaConfigureStep(dmaConfigureStep(null, null))
        .build();
  }
}
