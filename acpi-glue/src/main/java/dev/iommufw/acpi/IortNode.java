package dev.iommufw.acpi;

import com.google.common.collect.ImmutableList;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * One IORT node, in table order. Each type keeps the fields that the Linux glue and the report use;
 * {@link #header()} has the common ones.
 */
public sealed interface IortNode {
  /** Node type code of an ITS group. */
  int ITS_GROUP = 0;

  /** Node type code of a named component. */
  int NAMED_COMPONENT = 1;

  /** Node type code of a PCI root complex. */
  int ROOT_COMPLEX = 2;

  /** Node type code of an SMMUv1/v2. */
  int SMMU = 3;

  /** Node type code of an SMMUv3. */
  int SMMU_V3 = 4;

  /** Node type code of a PMCG. */
  int PMCG = 5;

  /** Node type code of an RMR. */
  int RMR = 6;

  /**
   * The common node header and the ID mappings.
   *
   * @return the header
   */
  IortNodeHeader header();

  /**
   * Table offset of this node (its identity within the table).
   *
   * @return the offset
   */
  default long offset() {
    return header().offset();
  }

  /**
   * The node type code.
   *
   * @return the type byte
   */
  default int typeCode() {
    return header().typeCode();
  }

  /**
   * The node's ID mappings in array order.
   *
   * @return the mappings (empty when the node has no ID array)
   */
  default ImmutableList<IortIdMapping> mappings() {
    return header().mappings();
  }

  /**
   * The special ("DeviceID") mapping index that is skipped when IDs are translated through this
   * node (kernel: {@code iort_get_id_mapping_index()}).
   *
   * @return the index, or null when no mapping is skipped
   */
  default @Nullable Integer specialIndex() {
    return null;
  }

  /**
   * ITS group (type 0).
   *
   * @param header common header
   * @param itsIds the GIC ITS identifiers
   */
  record ItsGroup(IortNodeHeader header, ImmutableList<Long> itsIds) implements IortNode {}

  /**
   * Named component (type 1): a client device named by its ACPI namespace path.
   *
   * @param header common header
   * @param nodeFlags node +16 (bit 0 stall supported, bits 5:1 PASID width)
   * @param cacheCoherency node +20 (bit 0 fully coherent)
   * @param memoryAccessFlags node +27
   * @param addressSizeLimit node +28, DMA address size limit in bits
   * @param name the device object name bytes up to the NUL, as ISO-8859-1 chars (one per byte)
   */
  record NamedComponent(
      IortNodeHeader header,
      long nodeFlags,
      long cacheCoherency,
      int memoryAccessFlags,
      int addressSizeLimit,
      String name)
      implements IortNode {
    /**
     * The device object name as raw bytes.
     *
     * @return a fresh copy of the name bytes, without the NUL
     */
    public byte[] nameBytes() {
      return name.getBytes(StandardCharsets.ISO_8859_1);
    }
  }

  /**
   * PCI root complex (type 2).
   *
   * @param header common header
   * @param cacheCoherency node +16 (bit 0 fully coherent)
   * @param atsAttribute node +24, raw (bit 0 ATS, bit 1 PRI, bit 2 PASID forwarding)
   * @param segment node +28, the PCI segment number
   * @param addressSizeLimit node +32 when the node revision is at least 1, else null
   */
  record RootComplex(
      IortNodeHeader header,
      long cacheCoherency,
      long atsAttribute,
      long segment,
      @Nullable Integer addressSizeLimit)
      implements IortNode {
    /**
     * Whether ATS is supported (ATS attribute bit 0; {@code IOMMU_FWSPEC_PCI_RC_ATS}).
     *
     * @return the ATS bit
     */
    public boolean ats() {
      return (atsAttribute & 1) != 0;
    }
  }

  /**
   * SMMUv1/v2 (type 3).
   *
   * @param header common header
   * @param base base address
   * @param span span of the register frame
   * @param model 0 SMMUv1, 1 SMMUv2, 2 MMU-400, 3 MMU-500, 4 MMU-401, 5 ThunderX
   * @param flags bit 0 DVM, bit 1 coherent walk
   * @param contextInterruptCount number of context interrupts
   */
  record Smmu(
      IortNodeHeader header,
      long base,
      long span,
      long model,
      long flags,
      long contextInterruptCount)
      implements IortNode {}

  /**
   * SMMUv3 (type 4).
   *
   * @param header common header
   * @param base base address
   * @param flags node +24
   * @param model 0 generic, 1 HiSilicon Hi161x, 2 Cavium CN99xx
   * @param eventGsiv event interrupt (0 = MSI)
   * @param priGsiv PRI interrupt
   * @param gerrGsiv global error interrupt
   * @param syncGsiv sync interrupt
   * @param proximityDomain node +60
   * @param deviceIdIndex node +64, raw: the mapping giving the SMMU its own MSI DeviceID
   */
  record SmmuV3(
      IortNodeHeader header,
      long base,
      long flags,
      long model,
      long eventGsiv,
      long priGsiv,
      long gerrGsiv,
      long syncGsiv,
      long proximityDomain,
      long deviceIdIndex)
      implements IortNode {
    /**
     * {@inheritDoc}
     *
     * <p>None when the node revision is below 1 or all four interrupts are wired; else the DeviceID
     * mapping index, unless it is out of range (a firmware bug: then none).
     */
    @Override
    public @Nullable Integer specialIndex() {
      if (header.revision() < 1
          || (eventGsiv != 0 && priGsiv != 0 && gerrGsiv != 0 && syncGsiv != 0)
          || deviceIdIndex >= header.mappingCount()) {
        return null;
      }
      return (int) deviceIdIndex;
    }
  }

  /**
   * SMMUv3 performance monitor counter group (type 5).
   *
   * @param header common header
   * @param page0Base page 0 base address
   * @param overflowGsiv overflow interrupt (0 = MSI)
   * @param nodeReference table offset of the monitored node
   * @param page1Base page 1 base address when the node revision is at least 1 and the node holds
   *     it, else null
   */
  record Pmcg(
      IortNodeHeader header,
      long page0Base,
      long overflowGsiv,
      long nodeReference,
      @Nullable Long page1Base)
      implements IortNode {
    /**
     * {@inheritDoc}
     *
     * <p>Index 0 when the overflow interrupt is not wired (MSI) and the node has a mapping.
     */
    @Override
    public @Nullable Integer specialIndex() {
      return overflowGsiv == 0 && header.mappingCount() > 0 ? 0 : null;
    }
  }

  /**
   * Reserved memory range node (type 6). Parsed and reported; it never changes a fwspec.
   *
   * @param header common header
   * @param rmrFlags node +16
   * @param ranges the memory range descriptors
   */
  record Rmr(IortNodeHeader header, long rmrFlags, ImmutableList<MemoryRange> ranges)
      implements IortNode {}

  /**
   * One RMR memory range descriptor.
   *
   * @param base base address
   * @param length length in bytes
   */
  record MemoryRange(long base, long length) {}

  /**
   * A node of a type this port does not know; every walk ignores it.
   *
   * @param header common header
   */
  record Unknown(IortNodeHeader header) implements IortNode {}
}
