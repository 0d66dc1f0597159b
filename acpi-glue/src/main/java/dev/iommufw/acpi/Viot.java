package dev.iommufw.acpi;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static dev.iommufw.acpi.AcpiTableException.Problem.BAD_CHECKSUM;
import static dev.iommufw.acpi.AcpiTableException.Problem.BAD_LENGTH;
import static dev.iommufw.acpi.AcpiTableException.Problem.BAD_OFFSET;
import static dev.iommufw.acpi.AcpiTableException.Problem.BAD_SIGNATURE;
import static dev.iommufw.acpi.AcpiTableException.Problem.TRUNCATED;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A parsed, validated VIOT (ACPI 6.4 §5.2.30).
 *
 * <p>{@link #parse(byte[])} runs the <a
 * href="{@docRoot}/dev/iommufw/core/doc-files/report-formats.html#viot-checks">VIOT checks</a> in
 * order. Endpoint nodes whose output node does not resolve to a virtio-iommu node are not errors:
 * Linux skips them, so they never match in {@link #lookupPci} or {@link #lookupMmio}. Later nodes
 * in the table take precedence over earlier overlapping ones (kernel: {@code acpi_viot_init()}
 * pushes each on the front of its list).
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class Viot {
  private static final long U32 = 0xffffffffL;
  private static final int HEADER_SIZE = 48;
  private static final byte[] SIGNATURE = {'V', 'I', 'O', 'T'};

  private final AcpiTableHeader header;
  private final int nodeOffset;
  private final ImmutableList<ViotNode> nodes;
  private final ImmutableMap<Long, ViotNode.Iommu> resolved;

  private Viot(
      AcpiTableHeader header,
      int nodeOffset,
      ImmutableList<ViotNode> nodes,
      ImmutableMap<Long, ViotNode.Iommu> resolved) {
    this.header = header;
    this.nodeOffset = nodeOffset;
    this.nodes = nodes;
    this.resolved = resolved;
  }

  /**
   * Parses and validates a VIOT.
   *
   * @param table the raw table bytes
   * @return the table
   * @throws AcpiTableException if one of the VIOT checks fails (the first one decides)
   */
  public static Viot parse(byte[] table) throws AcpiTableException {
    checkNotNull(table);
    if (table.length < 4 || !Arrays.equals(Arrays.copyOf(table, 4), SIGNATURE)) {
      throw new AcpiTableException(BAD_SIGNATURE, null, "signature is not VIOT");
    }
    long length = Iort.checkTableHeader(table);
    if (!Le.checksumOk(table)) {
      throw new AcpiTableException(BAD_CHECKSUM, null, "VIOT bytes do not sum to 0 mod 256");
    }
    int count = Le.u16(table, 36);
    int nodeOffset = Le.u16(table, 38);
    if (nodeOffset < HEADER_SIZE || nodeOffset > length) {
      throw new AcpiTableException(BAD_OFFSET, null, "node offset " + nodeOffset + " out of range");
    }
    ImmutableList.Builder<ViotNode> nodes = ImmutableList.builder();
    long pos = nodeOffset;
    for (int i = 0; i < count; i++) {
      if (pos + 4 > length) {
        throw at(TRUNCATED, pos, "node header past the table end");
      }
      int type = Le.u8(table, pos);
      int len = Le.u16(table, pos + 2);
      if (len < 4) {
        throw at(BAD_LENGTH, pos, "node length " + len + " < 4");
      }
      if (pos + len > length) {
        throw at(TRUNCATED, pos, "node ends past the table");
      }
      int min = minLength(type);
      if (len < min) {
        throw at(BAD_LENGTH, pos, "node length " + len + " < " + min + " for type " + type);
      }
      nodes.add(readNode(table, pos, type, len));
      pos += len;
    }
    ImmutableList<ViotNode> list = nodes.build();
    Map<Long, ViotNode.Iommu> resolved = new HashMap<>();
    long lowest = Math.max(HEADER_SIZE, nodeOffset);
    for (ViotNode n : list) {
      if (n instanceof ViotNode.Endpoint e) {
        long out = e.outputNode();
        ViotNode.Iommu iommu = resolve(table, out, lowest, length);
        if (iommu != null) {
          resolved.put(out, iommu);
        }
      }
    }
    return new Viot(AcpiTableHeader.read(table), nodeOffset, list, ImmutableMap.copyOf(resolved));
  }

  private static int minLength(int type) {
    return switch (type) {
      case ViotNode.PCI_RANGE, ViotNode.MMIO_ENDPOINT -> 24;
      case ViotNode.VIRTIO_PCI_IOMMU, ViotNode.VIRTIO_MMIO_IOMMU -> 16;
      default -> 4;
    };
  }

  private static AcpiTableException at(AcpiTableException.Problem p, long node, String what) {
    return new AcpiTableException(p, node, what + " (node at 0x" + Long.toHexString(node) + ")");
  }

  private static ViotNode readNode(byte[] t, long pos, int type, int len) {
    return switch (type) {
      case ViotNode.PCI_RANGE ->
          new ViotNode.PciRange(
              pos,
              len,
              Le.u32(t, pos + 4),
              Le.u16(t, pos + 8),
              Le.u16(t, pos + 10),
              Le.u16(t, pos + 12),
              Le.u16(t, pos + 14),
              Le.u16(t, pos + 16));
      case ViotNode.MMIO_ENDPOINT ->
          new ViotNode.MmioEndpoint(
              pos, len, Le.u32(t, pos + 4), Le.u64(t, pos + 8), Le.u16(t, pos + 16));
      case ViotNode.VIRTIO_PCI_IOMMU ->
          new ViotNode.VirtioPciIommu(pos, len, Le.u16(t, pos + 4), Le.u16(t, pos + 6));
      case ViotNode.VIRTIO_MMIO_IOMMU -> new ViotNode.VirtioMmioIommu(pos, len, Le.u64(t, pos + 8));
      default -> new ViotNode.Unknown(pos, type, len);
    };
  }

  /** §5.2: the IOMMU node at {@code off}, or null when Linux would skip the endpoint. */
  private static ViotNode.@Nullable Iommu resolve(byte[] t, long off, long lowest, long length) {
    if (off < lowest || off + 4 > length) {
      return null;
    }
    int type = Le.u8(t, off);
    int len = Le.u16(t, off + 2);
    if ((type != ViotNode.VIRTIO_PCI_IOMMU && type != ViotNode.VIRTIO_MMIO_IOMMU)
        || len < 16
        || off + len > length) {
      return null;
    }
    return (ViotNode.Iommu) readNode(t, off, type, len);
  }

  /**
   * The standard ACPI header.
   *
   * @return the header
   */
  public AcpiTableHeader header() {
    return header;
  }

  /**
   * The node offset field (table +38).
   *
   * @return the offset of the first node
   */
  public int nodeOffset() {
    return nodeOffset;
  }

  /**
   * The nodes in table order, unknown types included.
   *
   * @return the nodes
   */
  public ImmutableList<ViotNode> nodes() {
    return nodes;
  }

  /**
   * The IOMMU an endpoint node resolves to (kernel: {@code viot_get_iommu()} on the output node).
   *
   * @param endpoint an endpoint node of this table
   * @return the IOMMU node, or null when the endpoint is invalid (skipped by Linux)
   */
  public ViotNode.@Nullable Iommu outputIommu(ViotNode.Endpoint endpoint) {
    return resolved.get((long) endpoint.outputNode());
  }

  /**
   * A matched PCI endpoint.
   *
   * @param range the winning PCI range node
   * @param iommu the IOMMU it resolves to
   * @param endpointId the endpoint ID of the function (u32)
   */
  public record PciMatch(ViotNode.PciRange range, ViotNode.Iommu iommu, long endpointId) {
    /**
     * Whether the function is the virtio-iommu itself, which Linux refuses to translate (-EINVAL).
     *
     * @param segment the function's segment
     * @param bdf the function's BDF
     * @return true if the IOMMU is a virtio-pci-iommu at exactly this function
     */
    public boolean isSelf(int segment, int bdf) {
      return iommu instanceof ViotNode.VirtioPciIommu p && p.segment() == segment && p.bdf() == bdf;
    }
  }

  /**
   * Finds the PCI range covering a function; the last valid range in the table wins. The endpoint
   * ID is {@code ((segment - segmentStart) << 16) + (bdf - bdfStart) + endpointStart} mod 2^32.
   *
   * @param segment PCI segment, 0–0xffff
   * @param bdf {@code bus << 8 | devfn}, 0–0xffff
   * @return the match, or null when no valid range covers it
   * @throws IllegalArgumentException if an argument is not a u16
   */
  public @Nullable PciMatch lookupPci(int segment, int bdf) {
    checkArgument((segment & ~0xffff) == 0, "segment %s is not a u16", segment);
    checkArgument((bdf & ~0xffff) == 0, "bdf %s is not a u16", bdf);
    for (int i = nodes.size() - 1; i >= 0; i--) {
      if (!(nodes.get(i) instanceof ViotNode.PciRange r)) {
        continue;
      }
      ViotNode.Iommu iommu = outputIommu(r);
      if (iommu == null
          || segment < r.segmentStart()
          || segment > r.segmentEnd()
          || bdf < r.bdfStart()
          || bdf > r.bdfEnd()) {
        continue;
      }
      long id =
          ((((long) (segment - r.segmentStart())) << 16) + (bdf - r.bdfStart()) + r.endpointStart())
              & U32;
      return new PciMatch(r, iommu, id);
    }
    return null;
  }

  /**
   * A matched MMIO endpoint.
   *
   * @param endpoint the winning endpoint node
   * @param iommu the IOMMU it resolves to
   */
  public record MmioMatch(ViotNode.MmioEndpoint endpoint, ViotNode.Iommu iommu) {}

  /**
   * Finds the MMIO endpoint whose base address equals {@code base} exactly; the last valid one in
   * the table wins.
   *
   * @param base the start address of the device's first memory resource
   * @return the match, or null
   */
  public @Nullable MmioMatch lookupMmio(long base) {
    for (int i = nodes.size() - 1; i >= 0; i--) {
      if (nodes.get(i) instanceof ViotNode.MmioEndpoint e) {
        ViotNode.Iommu iommu = outputIommu(e);
        if (iommu != null && e.base() == base) {
          return new MmioMatch(e, iommu);
        }
      }
    }
    return null;
  }
}
