package dev.iommufw.acpi;

/** Where an IORT ID walk ended ({@link Iort#mapId}). */
public sealed interface IortWalkResult {
  /**
   * The node where the walk ended.
   *
   * @return the node
   */
  IortNode node();

  /**
   * The walk reached a node of the target type set.
   *
   * @param node the reached node
   * @param id the translated ID at that node
   */
  record Reached(IortNode node, long id) implements IortWalkResult {
    /**
     * The node's table offset and the ID in hex.
     *
     * @return a description
     */
    @Override
    public String toString() {
      return "Reached[node@0x"
          + Long.toHexString(node.offset())
          + ", id=0x"
          + Long.toHexString(id)
          + "]";
    }
  }

  /**
   * The walk toward an IOMMU stopped at an ITS group: the device has no IOMMU, and {@code id} is
   * its MSI DeviceID.
   *
   * @param node the ITS group
   * @param id the translated ID at the ITS group
   */
  record StoppedAtIts(IortNode node, long id) implements IortWalkResult {
    /**
     * The node's table offset and the ID in hex.
     *
     * @return a description
     */
    @Override
    public String toString() {
      return "StoppedAtIts[node@0x"
          + Long.toHexString(node.offset())
          + ", id=0x"
          + Long.toHexString(id)
          + "]";
    }
  }

  /**
   * The walk stopped at a node that is neither the target nor an ITS group: no ID array, a null
   * reference, or no matching mapping. The kernel then leaves the input ID unchanged.
   *
   * @param node the node where the walk stopped
   */
  record Stopped(IortNode node) implements IortWalkResult {}
}
