package dev.iommufw.core;

import static com.google.common.base.Preconditions.checkNotNull;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import dev.iommufw.core.pci.PciFunction;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A device that may do DMA through an IOMMU (kernel: {@code struct device}, the fields that matter
 * for IOMMU probing).
 *
 * <p>The device's identity (name, bus, firmware node, parent, PCI function, DMA-configure step) is
 * fixed at construction. Its IOMMU state — the kernel's {@code dev->iommu}: installed fwspec,
 * instance, driver-private data — is owned by the {@link IommuCore} the device was added to and is
 * reachable only through that core, under its probe lock. {@link #iommuBinding()} is the one
 * lock-free view: a whole binding or none.
 *
 * <p>Equality is identity. Thread-safe.
 */
public final class Device {
  private final String name;
  private final BusKind bus;
  private final @Nullable FwNode fwNode;
  private final @Nullable Device parent;
  private final @Nullable PciFunction pci;
  private final @Nullable DmaConfigure dmaConfigure;

  /** The core this device was added to; set once, under that core's registry lock. */
  private volatile @Nullable IommuCore core;

  /** The IOMMU slot; guarded by the probe lock of {@link #core}. */
  @Nullable DeviceIommu iommu;

  /** The published binding; written under the probe lock, read lock-free. */
  private volatile @Nullable IommuBinding binding;

  /** Set once, under the probe lock, when the device is removed from its core. */
  private volatile boolean removed;

  /** The IOMMU node this device's configuration waits for; guarded by the registry lock. */
  @Nullable FwNode waitingFor;

  private Device(Builder b) {
    this.name = b.name;
    this.bus = b.bus;
    this.fwNode = b.fwNode;
    this.parent = b.parent;
    this.pci = b.pci;
    this.dmaConfigure = b.dmaConfigure;
  }

  /**
   * Starts building a device.
   *
   * @param name the device's name, for example {@code 0000:00:02.0} or {@code /soc/dma@1000}
   * @param bus its bus
   * @return a builder
   */
  public static Builder builder(String name, BusKind bus) {
    return new Builder(name, bus);
  }

  /**
   * The device's name.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * The device's bus.
   *
   * @return the bus
   */
  public BusKind bus() {
    return bus;
  }

  /**
   * The device's own firmware node (kernel: {@code dev->fwnode}), if any.
   *
   * @return the node, or null
   */
  public @Nullable FwNode fwNode() {
    return fwNode;
  }

  /**
   * The parent device, if any.
   *
   * @return the parent, or null
   */
  public @Nullable Device parent() {
    return parent;
  }

  /**
   * The PCI identity, present exactly for {@link BusKind#PCI} devices.
   *
   * @return the function, or null
   */
  public @Nullable PciFunction pci() {
    return pci;
  }

  /**
   * The bus's DMA-configure step for this device, if the glue gave one.
   *
   * @return the step, or null
   */
  public @Nullable DmaConfigure dmaConfigureStep() {
    return dmaConfigure;
  }

  /**
   * The core the device was added to, if any.
   *
   * @return the core, or null
   */
  public @Nullable IommuCore core() {
    return core;
  }

  /**
   * The device's IOMMU binding, read without any lock: present exactly while the device is probed
   * and bound to an instance.
   *
   * @return the binding, or empty
   */
  public Optional<IommuBinding> iommuBinding() {
    return Optional.ofNullable(binding);
  }

  /**
   * Whether the device is translated by an IOMMU (kernel: {@code device_iommu_mapped()}, i.e. it is
   * in an IOMMU group).
   *
   * @return true if bound
   */
  public boolean isIommuMapped() {
    return binding != null;
  }

  @Override
  public String toString() {
    return "Device[" + name + "]";
  }

  void attachTo(IommuCore owner) {
    if (core != null) {
      throw new IllegalStateException(this + " was already added to a core");
    }
    core = owner;
  }

  /**
   * Whether the device was removed from its core; a removed device is never bound again.
   *
   * @return true once removed
   */
  public boolean isRemoved() {
    return removed;
  }

  void markRemoved() {
    removed = true;
  }

  void publish(@Nullable IommuBinding newBinding) {
    binding = newBinding;
  }

  /** Builds a {@link Device}. Not thread-safe. */
  public static final class Builder {
    private final String name;
    private final BusKind bus;
    private @Nullable FwNode fwNode;
    private @Nullable Device parent;
    private @Nullable PciFunction pci;
    private @Nullable DmaConfigure dmaConfigure;

    private Builder(String name, BusKind bus) {
      this.name = checkNotNull(name);
      this.bus = checkNotNull(bus);
    }

    /**
     * Sets the device's own firmware node.
     *
     * @param node the node
     * @return this builder
     */
    @CanIgnoreReturnValue
    public Builder fwNode(FwNode node) {
      this.fwNode = checkNotNull(node);
      return this;
    }

    /**
     * Sets the parent device.
     *
     * @param parentDevice the parent
     * @return this builder
     */
    @CanIgnoreReturnValue
    public Builder parent(Device parentDevice) {
      this.parent = checkNotNull(parentDevice);
      return this;
    }

    /**
     * Sets the PCI identity; required for, and only allowed on, {@link BusKind#PCI} devices.
     *
     * @param function the PCI function
     * @return this builder
     */
    @CanIgnoreReturnValue
    public Builder pci(PciFunction function) {
      this.pci = checkNotNull(function);
      return this;
    }

    /**
     * Sets the bus's DMA-configure step (normally supplied by the firmware glue).
     *
     * @param step the step
     * @return this builder
     */
    @CanIgnoreReturnValue
    public Builder dmaConfigureStep(DmaConfigure step) {
      this.dmaConfigure = checkNotNull(step);
      return this;
    }

    /**
     * Builds the device.
     *
     * @return the device
     * @throws IllegalStateException if a PCI device lacks its function, or a non-PCI device has one
     */
    public Device build() {
      if ((bus == BusKind.PCI) != (pci != null)) {
        throw new IllegalStateException(
            "a PCI function is required for PCI devices and only for them: " + name);
      }
      return new Device(this);
    }
  }
}
