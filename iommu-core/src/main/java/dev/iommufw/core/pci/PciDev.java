package dev.iommufw.core.pci;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.primitives.ImmutableIntArray;
import com.google.errorprone.annotations.CanIgnoreReturnValue;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * One PCI function as enumeration found it (kernel: {@code struct pci_dev}, the fields that decide
 * DMA aliases and IOMMU groups). Immutable; a {@link PciTopology} holds the functions of a system
 * and links each to its parent bridge.
 *
 * @param bdf the function's address
 * @param vendorId PCI vendor ID, 0–0xffff
 * @param deviceId PCI device ID, 0–0xffff
 * @param classCode the 24-bit class code (base class, subclass, programming interface)
 * @param type what the function is
 * @param pcie whether it has a PCI Express capability (kernel: {@code pci_is_pcie()})
 * @param multifunction whether Linux sees it as part of a multi-function device
 * @param acs whether its ACS capability has every control it lists enabled (source validation,
 *     request and completion redirect, upstream forwarding)
 * @param parent the bridge whose secondary bus holds it, or null on a root bus
 * @param secondary for bridges, the secondary bus number (the bus directly below); else -1
 * @param subordinate for bridges, the highest bus number below; else -1
 * @param quirkAliasDevfns the devfns of the kernel's {@code dma_alias_mask} (PCI quirks), ascending
 *     and without duplicates
 * @param pcieBridgeAlias the quirk flag {@code PCI_DEV_FLAG_PCIE_BRIDGE_ALIAS}: a conventional
 *     bridge that forwards DMA with {@code secondary << 8 | 0}
 * @param translationRoot the quirk flag {@code PCI_DEV_FLAGS_BRIDGE_XLATE_ROOT}: the alias walk
 *     stops at this bridge
 */
public record PciDev(
    Bdf bdf,
    int vendorId,
    int deviceId,
    int classCode,
    PciType type,
    boolean pcie,
    boolean multifunction,
    boolean acs,
    @Nullable Bdf parent,
    int secondary,
    int subordinate,
    ImmutableIntArray quirkAliasDevfns,
    boolean pcieBridgeAlias,
    boolean translationRoot) {

  /**
   * Validates the components.
   *
   * @param bdf the function's address
   * @param vendorId PCI vendor ID
   * @param deviceId PCI device ID
   * @param classCode the 24-bit class code
   * @param type what the function is
   * @param pcie whether it has a PCI Express capability
   * @param multifunction whether it is part of a multi-function device
   * @param acs whether its ACS controls are all enabled
   * @param parent the parent bridge's address, or null
   * @param secondary for bridges the secondary bus, else -1
   * @param subordinate for bridges the subordinate bus, else -1
   * @param quirkAliasDevfns quirk alias devfns, ascending, no duplicates
   * @param pcieBridgeAlias the PCIe bridge alias quirk flag
   * @param translationRoot the translation root quirk flag
   */
  public PciDev {
    checkNotNull(bdf);
    checkNotNull(type);
    checkNotNull(quirkAliasDevfns);
    checkArgument(vendorId >= 0 && vendorId <= 0xffff, "vendor ID out of range: %s", vendorId);
    checkArgument(deviceId >= 0 && deviceId <= 0xffff, "device ID out of range: %s", deviceId);
    checkArgument(classCode >= 0 && classCode <= 0xffffff, "class out of range: %s", classCode);
    if (type.isBridge()) {
      checkArgument(
          secondary >= 0 && secondary <= 0xff && subordinate >= secondary && subordinate <= 0xff,
          "bad bus window %s-%s for bridge %s",
          secondary,
          subordinate,
          bdf);
    } else {
      checkArgument(
          secondary == -1 && subordinate == -1, "only bridges have a bus window: %s", bdf);
    }
    checkArgument(
        parent == null || parent.segment() == bdf.segment(),
        "parent %s of %s is on another segment",
        parent,
        bdf);
    int previous = -1;
    for (int devfn : quirkAliasDevfns.toArray()) {
      checkArgument(devfn > previous && devfn <= 0xff, "quirk devfns must ascend in 0-0xff");
      previous = devfn;
    }
    quirkAliasDevfns = quirkAliasDevfns.trimmed();
  }

  /**
   * Starts a function description with the defaults of a single-function conventional endpoint on a
   * root bus: IDs 0, class 0, no PCIe, no ACS, no quirks.
   *
   * @param bdf the function's address
   * @param type what the function is
   * @return a builder
   */
  public static Builder builder(Bdf bdf, PciType type) {
    return new Builder(bdf, type);
  }

  /**
   * A builder initialised from this function, for changing a few fields.
   *
   * @return a builder
   */
  public Builder toBuilder() {
    Builder b = new Builder(bdf, type);
    b.vendorId = vendorId;
    b.deviceId = deviceId;
    b.classCode = classCode;
    b.pcie = pcie;
    b.multifunction = multifunction;
    b.acs = acs;
    b.parent = parent;
    b.secondary = secondary;
    b.subordinate = subordinate;
    b.quirkAliasDevfns = quirkAliasDevfns.toArray();
    b.pcieBridgeAlias = pcieBridgeAlias;
    b.translationRoot = translationRoot;
    return b;
  }

  /**
   * Whether this is a PCI-to-PCI bridge by class code ({@code 0x0604xx}), which Linux's PCIe port
   * driver and bridge drivers match.
   *
   * @return true for class 06 04
   */
  public boolean isPciToPciBridgeClass() {
    return classCode >>> 8 == 0x0604;
  }

  /**
   * The function with its IDs, class and bus numbers in hex, for example {@code PciDev[0000:00:1e.0
   * pci-bridge 8086:244e class=0x60401 parent=null bus=0x1-0x1]}.
   *
   * @return a description
   */
  @Override
  public String toString() {
    return "PciDev["
        + bdf
        + " "
        + type.jsonName()
        + String.format(java.util.Locale.ROOT, " %04x:%04x", vendorId, deviceId)
        + " class="
        + Hex.of(classCode)
        + (pcie ? " pcie" : "")
        + (multifunction ? " multifunction" : "")
        + (acs ? " acs" : "")
        + " parent="
        + parent
        + (type.isBridge() ? " bus=" + Hex.of(secondary) + "-" + Hex.of(subordinate) : "")
        + (quirkAliasDevfns.isEmpty() ? "" : " quirkAliasDevfns=" + Hex.ids(quirkAliasDevfns))
        + (pcieBridgeAlias ? " pcieBridgeAlias" : "")
        + (translationRoot ? " translationRoot" : "")
        + "]";
  }

  /** Builds a {@link PciDev}. Not thread-safe. */
  public static final class Builder {
    private final Bdf bdf;
    private final PciType type;
    private int vendorId;
    private int deviceId;
    private int classCode;
    private boolean pcie;
    private boolean multifunction;
    private boolean acs;
    private @Nullable Bdf parent;
    private int secondary = -1;
    private int subordinate = -1;
    private int[] quirkAliasDevfns = new int[0];
    private boolean pcieBridgeAlias;
    private boolean translationRoot;

    private Builder(Bdf bdf, PciType type) {
      this.bdf = checkNotNull(bdf);
      this.type = checkNotNull(type);
    }

    /**
     * Sets the vendor and device IDs.
     *
     * @param vendor vendor ID
     * @param device device ID
     * @return this builder
     */
    @CanIgnoreReturnValue
    public Builder id(int vendor, int device) {
      this.vendorId = vendor;
      this.deviceId = device;
      return this;
    }

    /**
     * Sets the class code.
     *
     * @param code the 24-bit class code
     * @return this builder
     */
    @CanIgnoreReturnValue
    public Builder classCode(int code) {
      this.classCode = code;
      return this;
    }

    /**
     * Sets whether the function has a PCI Express capability.
     *
     * @param value true for PCIe
     * @return this builder
     */
    @CanIgnoreReturnValue
    public Builder pcie(boolean value) {
      this.pcie = value;
      return this;
    }

    /**
     * Sets whether the function is part of a multi-function device.
     *
     * @param value true if multi-function
     * @return this builder
     */
    @CanIgnoreReturnValue
    public Builder multifunction(boolean value) {
      this.multifunction = value;
      return this;
    }

    /**
     * Sets whether every ACS control the function lists is enabled.
     *
     * @param value true if ACS is enabled
     * @return this builder
     */
    @CanIgnoreReturnValue
    public Builder acs(boolean value) {
      this.acs = value;
      return this;
    }

    /**
     * Sets the parent bridge.
     *
     * @param bridge the bridge's address, or null on a root bus
     * @return this builder
     */
    @CanIgnoreReturnValue
    public Builder parent(@Nullable Bdf bridge) {
      this.parent = bridge;
      return this;
    }

    /**
     * Sets a bridge's bus window.
     *
     * @param secondaryBus the secondary bus
     * @param subordinateBus the subordinate bus
     * @return this builder
     */
    @CanIgnoreReturnValue
    public Builder window(int secondaryBus, int subordinateBus) {
      this.secondary = secondaryBus;
      this.subordinate = subordinateBus;
      return this;
    }

    /**
     * Sets the quirk alias devfns; they are sorted and deduplicated (a bit mask in the kernel).
     *
     * @param devfns devfns, each 0–0xff
     * @return this builder
     */
    @CanIgnoreReturnValue
    public Builder quirkAliasDevfns(int... devfns) {
      this.quirkAliasDevfns = Arrays.stream(devfns).sorted().distinct().toArray();
      return this;
    }

    /**
     * Sets the {@code PCI_DEV_FLAG_PCIE_BRIDGE_ALIAS} quirk flag.
     *
     * @param value the flag
     * @return this builder
     */
    @CanIgnoreReturnValue
    public Builder pcieBridgeAlias(boolean value) {
      this.pcieBridgeAlias = value;
      return this;
    }

    /**
     * Sets the {@code PCI_DEV_FLAGS_BRIDGE_XLATE_ROOT} quirk flag.
     *
     * @param value the flag
     * @return this builder
     */
    @CanIgnoreReturnValue
    public Builder translationRoot(boolean value) {
      this.translationRoot = value;
      return this;
    }

    /**
     * Builds the function.
     *
     * @return the function
     * @throws IllegalArgumentException if a value is out of range
     */
    public PciDev build() {
      return new PciDev(
          bdf,
          vendorId,
          deviceId,
          classCode,
          type,
          pcie,
          multifunction,
          acs,
          parent,
          secondary,
          subordinate,
          ImmutableIntArray.copyOf(quirkAliasDevfns),
          pcieBridgeAlias,
          translationRoot);
    }
  }
}
