package dev.iommufw.acpi;

/** One VIOT node, in table order. Every node knows its table offset, type code and length. */
public sealed interface ViotNode {
  /** Node type code of a PCI range. */
  int PCI_RANGE = 1;

  /** Node type code of an MMIO endpoint. */
  int MMIO_ENDPOINT = 2;

  /** Node type code of a virtio-iommu based on virtio-pci. */
  int VIRTIO_PCI_IOMMU = 3;

  /** Node type code of a virtio-iommu based on virtio-mmio. */
  int VIRTIO_MMIO_IOMMU = 4;

  /**
   * Table offset of the node.
   *
   * @return the offset
   */
  long offset();

  /**
   * The node type code.
   *
   * @return the type byte
   */
  int typeCode();

  /**
   * The node length field.
   *
   * @return the length in bytes
   */
  int length();

  /** A node that describes endpoints translated by an IOMMU node. */
  sealed interface Endpoint extends ViotNode {
    /**
     * Table offset of the IOMMU node that translates these endpoints.
     *
     * @return the output node offset (u16)
     */
    int outputNode();
  }

  /** A virtio-iommu node (the IOMMU identity an endpoint resolves to). */
  sealed interface Iommu extends ViotNode {}

  /**
   * PCI range (type 1).
   *
   * @param offset table offset
   * @param length node length
   * @param endpointStart endpoint ID of the first BDF of the first segment
   * @param segmentStart first PCI segment
   * @param segmentEnd last PCI segment (inclusive)
   * @param bdfStart first BDF
   * @param bdfEnd last BDF (inclusive)
   * @param outputNode table offset of the IOMMU node
   */
  record PciRange(
      long offset,
      int length,
      long endpointStart,
      int segmentStart,
      int segmentEnd,
      int bdfStart,
      int bdfEnd,
      int outputNode)
      implements Endpoint {
    @Override
    public int typeCode() {
      return PCI_RANGE;
    }
  }

  /**
   * MMIO endpoint (type 2).
   *
   * @param offset table offset
   * @param length node length
   * @param endpointId the endpoint ID
   * @param base base address of the endpoint's first MMIO region
   * @param outputNode table offset of the IOMMU node
   */
  record MmioEndpoint(long offset, int length, long endpointId, long base, int outputNode)
      implements Endpoint {
    @Override
    public int typeCode() {
      return MMIO_ENDPOINT;
    }
  }

  /**
   * virtio-iommu over virtio-pci (type 3).
   *
   * @param offset table offset
   * @param length node length
   * @param segment PCI segment of the virtio-iommu function
   * @param bdf PCI BDF of the virtio-iommu function
   */
  record VirtioPciIommu(long offset, int length, int segment, int bdf) implements Iommu {
    @Override
    public int typeCode() {
      return VIRTIO_PCI_IOMMU;
    }
  }

  /**
   * virtio-iommu over virtio-mmio (type 4).
   *
   * @param offset table offset
   * @param length node length
   * @param base base address of the virtio-mmio transport
   */
  record VirtioMmioIommu(long offset, int length, long base) implements Iommu {
    @Override
    public int typeCode() {
      return VIRTIO_MMIO_IOMMU;
    }
  }

  /**
   * A reserved or unknown node type; Linux skips it with a warning.
   *
   * @param offset table offset
   * @param typeCode the type byte
   * @param length node length
   */
  record Unknown(long offset, int typeCode, int length) implements ViotNode {}
}
