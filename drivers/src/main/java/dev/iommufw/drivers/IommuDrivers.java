package dev.iommufw.drivers;

import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.errorprone.annotations.CanIgnoreReturnValue;
import dev.iommufw.acpi.AcpiIommu;
import dev.iommufw.acpi.Iort;
import dev.iommufw.acpi.IortNode;
import dev.iommufw.acpi.Viot;
import dev.iommufw.acpi.ViotNode;
import dev.iommufw.core.IommuCore;
import dev.iommufw.core.IommuException;
import dev.iommufw.core.IommuInstance;
import dev.iommufw.core.pci.Bdf;
import dev.iommufw.of.FdtNode;
import dev.iommufw.of.OfIommu;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One call that brings up the reference drivers for a whole firmware description: it creates one
 * reference-driver instance for every IOMMU that a device tree or the IORT/VIOT tables describe and
 * that a reference driver binds, and registers it with a core (what the kernel's driver model does
 * when the SMMU and virtio-iommu drivers probe their platform and PCI devices).
 *
 * <p>Each call makes its own driver objects (one per reference driver), so two calls are two
 * independent sets of drivers. Registration follows the firmware's order; a registration retries
 * the devices that were waiting for that IOMMU, as {@link IommuCore#registerInstance} does.
 */
public final class IommuDrivers {
  private IommuDrivers() {}

  /**
   * What {@code registerAll} did.
   *
   * @param instances the registered instances, in firmware order
   * @param unbound the IOMMU nodes no reference driver instance was made for, by node (device tree
   *     path, or IORT/VIOT node and its table offset), with the reason
   */
  public record Registration(
      ImmutableList<IommuInstance> instances, ImmutableMap<String, String> unbound) {
    /**
     * Checks the parts.
     *
     * @param instances the registered instances
     * @param unbound the nodes left out, with the reason
     */
    public Registration {
      checkNotNull(instances);
      checkNotNull(unbound);
    }
  }

  /** The three reference drivers of one call, and what the call made. */
  private static final class Builder {
    final ArmSmmuV3Driver smmuV3 = new ArmSmmuV3Driver();
    final ArmSmmuDriver smmu = new ArmSmmuDriver();
    final VirtioIommuDriver virtio = new VirtioIommuDriver();
    final List<IommuInstance> made = new java.util.ArrayList<>();
    final Map<String, String> unbound = new LinkedHashMap<>();

    Registration register(IommuCore core) throws IommuException {
      for (IommuInstance i : made) {
        core.registerInstance(i);
      }
      return new Registration(ImmutableList.copyOf(made), ImmutableMap.copyOf(unbound));
    }
  }

  /**
   * Registers a reference-driver instance for every IOMMU node of a device tree: every available
   * node (its ancestors available too) that {@link DtIommuDrivers#driver} binds. A node with {@code
   * #iommu-cells} that no reference driver binds, or that is disabled, is listed in {@link
   * Registration#unbound()}. Instances are named after their node's path; SMMUv3 instances accept
   * 32-bit stream IDs (the device tree does not say how many the hardware has).
   *
   * @param core the system to register with
   * @param dt the device tree glue
   * @return the instances and the nodes left out
   * @throws IommuException if a registration's retry of waiting devices hit an error other than
   *     {@code ENODEV} (as {@link IommuCore#registerInstance})
   */
  @CanIgnoreReturnValue
  public static Registration registerAll(IommuCore core, OfIommu dt) throws IommuException {
    checkNotNull(core);
    Builder b = new Builder();
    for (FdtNode node : dt.fdt().nodes()) {
      String driver = DtIommuDrivers.driver(node);
      if (driver == null) {
        if (node.hasProperty("#iommu-cells")) {
          b.unbound.put(node.path(), "no reference driver binds " + node.compatible());
        }
        continue;
      }
      if (!availableWithAncestors(node)) {
        b.unbound.put(node.path(), "disabled");
        continue;
      }
      String name = node.path();
      b.made.add(
          switch (driver) {
            case ArmSmmuV3Driver.NAME -> b.smmuV3.createPermissiveInstance(name, dt.fwNode(node));
            case ArmSmmuDriver.NAME -> b.smmu.createInstance(name, dt.fwNode(node));
            default -> b.virtio.createInstance(name, dt.fwNode(node));
          });
    }
    return b.register(core);
  }

  /**
   * Registers a reference-driver instance for every IOMMU the ACPI tables describe: each IORT
   * SMMUv3 and SMMU (v1/v2) node, and each VIOT virtio-iommu PCI function. A VIOT virtio-iommu over
   * MMIO is listed in {@link Registration#unbound()} (the reference virtio-iommu driver is a PCI
   * driver). Instances are named as the kernel names them: {@code smmu3.0x<base>}, {@code
   * smmu.0x<base>}, and the virtio-iommu's PCI address.
   *
   * @param core the system to register with
   * @param acpi the ACPI glue
   * @return the instances and the nodes left out
   * @throws IommuException as {@link #registerAll(IommuCore, OfIommu)}
   */
  @CanIgnoreReturnValue
  public static Registration registerAll(IommuCore core, AcpiIommu acpi) throws IommuException {
    checkNotNull(core);
    Builder b = new Builder();
    Iort iort = acpi.iort();
    if (iort != null) {
      for (IortNode node : iort.nodes()) {
        if (node instanceof IortNode.SmmuV3 v3) {
          b.made.add(
              b.smmuV3.createPermissiveInstance(
                  String.format(Locale.ROOT, "smmu3.0x%016x", v3.base()), acpi.iortFwNode(node)));
        } else if (node instanceof IortNode.Smmu v2) {
          b.made.add(
              b.smmu.createInstance(
                  String.format(Locale.ROOT, "smmu.0x%016x", v2.base()), acpi.iortFwNode(node)));
        }
      }
    }
    Viot viot = acpi.viot();
    if (viot != null) {
      for (ViotNode node : viot.nodes()) {
        if (node instanceof ViotNode.VirtioPciIommu v) {
          String name = Bdf.ofRequesterId(v.segment(), v.bdf()).toString();
          b.made.add(b.virtio.createInstance(name, acpi.viotFwNode(v)));
        } else if (node instanceof ViotNode.VirtioMmioIommu m) {
          b.unbound.put(
              String.format(Locale.ROOT, "VIOT virtio-iommu MMIO node at offset %d", m.offset()),
              "no reference driver for virtio-iommu over MMIO");
        }
      }
    }
    return b.register(core);
  }

  private static boolean availableWithAncestors(FdtNode node) {
    for (FdtNode n = node; n != null; n = n.parent()) {
      if (!n.isAvailable()) {
        return false;
      }
    }
    return true;
  }
}
