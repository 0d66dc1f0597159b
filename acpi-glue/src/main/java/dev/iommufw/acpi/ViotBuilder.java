package dev.iommufw.acpi;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Assembles a VIOT field by field, with a correct length and checksum. Nodes are laid out in the
 * order added from table offset 48; each {@code add} method returns the new node's table offset,
 * which is what endpoint nodes name as their output node. Node lengths are fixed (24 for endpoints,
 * 16 for IOMMUs), so offsets of later nodes are easy to compute for forward references.
 */
public final class ViotBuilder {
  private final ByteArrayOutputStream nodes = new ByteArrayOutputStream();
  private int count;
  private byte[] oemId = "IOMMFW".getBytes(StandardCharsets.ISO_8859_1);
  private byte[] oemTableId = "FWSPEC  ".getBytes(StandardCharsets.ISO_8859_1);

  /** Creates an empty builder. */
  public ViotBuilder() {}

  /**
   * Sets the OEM ID (exactly 6 bytes after padding/cutting).
   *
   * @param value ISO-8859-1 text
   * @return this builder
   */
  @CanIgnoreReturnValue
  public ViotBuilder oemId(String value) {
    oemId = java.util.Arrays.copyOf(value.getBytes(StandardCharsets.ISO_8859_1), 6);
    return this;
  }

  /**
   * Sets the OEM table ID (exactly 8 bytes after padding/cutting).
   *
   * @param value ISO-8859-1 text
   * @return this builder
   */
  @CanIgnoreReturnValue
  public ViotBuilder oemTableId(String value) {
    oemTableId = java.util.Arrays.copyOf(value.getBytes(StandardCharsets.ISO_8859_1), 8);
    return this;
  }

  /**
   * The table offset the next added node will have.
   *
   * @return the offset
   */
  public int nextOffset() {
    return 48 + nodes.size();
  }

  private int add(byte[] node) {
    int off = nextOffset();
    checkArgument(off + node.length <= 0xffff, "VIOT too large");
    nodes.write(node, 0, node.length);
    count++;
    return off;
  }

  private static byte[] node(int type, int length) {
    byte[] b = new byte[length];
    Le.put8(b, 0, type);
    Le.put16(b, 2, length);
    return b;
  }

  /**
   * Adds a PCI range node.
   *
   * @param endpointStart endpoint ID of the first BDF of the first segment
   * @param segmentStart first segment
   * @param segmentEnd last segment
   * @param bdfStart first BDF
   * @param bdfEnd last BDF
   * @param outputNode table offset of the IOMMU node
   * @return the node's table offset
   */
  @CanIgnoreReturnValue
  public int addPciRange(
      long endpointStart,
      int segmentStart,
      int segmentEnd,
      int bdfStart,
      int bdfEnd,
      int outputNode) {
    byte[] b = node(ViotNode.PCI_RANGE, 24);
    Le.put32(b, 4, endpointStart);
    Le.put16(b, 8, segmentStart);
    Le.put16(b, 10, segmentEnd);
    Le.put16(b, 12, bdfStart);
    Le.put16(b, 14, bdfEnd);
    Le.put16(b, 16, outputNode);
    return add(b);
  }

  /**
   * Adds an MMIO endpoint node.
   *
   * @param endpointId the endpoint ID
   * @param base base address
   * @param outputNode table offset of the IOMMU node
   * @return the node's table offset
   */
  @CanIgnoreReturnValue
  public int addMmioEndpoint(long endpointId, long base, int outputNode) {
    byte[] b = node(ViotNode.MMIO_ENDPOINT, 24);
    Le.put32(b, 4, endpointId);
    Le.put64(b, 8, base);
    Le.put16(b, 16, outputNode);
    return add(b);
  }

  /**
   * Adds a virtio-iommu-pci node.
   *
   * @param segment PCI segment
   * @param bdf PCI BDF
   * @return the node's table offset
   */
  @CanIgnoreReturnValue
  public int addVirtioPciIommu(int segment, int bdf) {
    byte[] b = node(ViotNode.VIRTIO_PCI_IOMMU, 16);
    Le.put16(b, 4, segment);
    Le.put16(b, 6, bdf);
    return add(b);
  }

  /**
   * Adds a virtio-iommu-mmio node.
   *
   * @param base base address of the virtio-mmio transport
   * @return the node's table offset
   */
  @CanIgnoreReturnValue
  public int addVirtioMmioIommu(long base) {
    byte[] b = node(ViotNode.VIRTIO_MMIO_IOMMU, 16);
    Le.put64(b, 8, base);
    return add(b);
  }

  /**
   * Adds a zero-filled node of any type and length.
   *
   * @param type the type code
   * @param length the node length, at least 4
   * @return the node's table offset
   */
  @CanIgnoreReturnValue
  public int addRaw(int type, int length) {
    checkArgument(length >= 4 && length <= 0xffff, "length %s", length);
    return add(node(type, length));
  }

  /**
   * Writes the table (revision 0, node offset 48).
   *
   * @return the table bytes, checksum set
   */
  public byte[] build() {
    byte[] body = nodes.toByteArray();
    byte[] t = new byte[48 + body.length];
    t[0] = 'V';
    t[1] = 'I';
    t[2] = 'O';
    t[3] = 'T';
    Le.put32(t, 4, t.length);
    System.arraycopy(oemId, 0, t, 10, 6);
    System.arraycopy(oemTableId, 0, t, 16, 8);
    Le.put32(t, 24, 1);
    System.arraycopy("IOFW".getBytes(StandardCharsets.ISO_8859_1), 0, t, 28, 4);
    Le.put32(t, 32, 1);
    Le.put16(t, 36, count);
    Le.put16(t, 38, 48);
    System.arraycopy(body, 0, t, 48, body.length);
    Le.fixChecksum(t);
    return t;
  }
}
