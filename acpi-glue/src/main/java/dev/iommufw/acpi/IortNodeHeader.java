package dev.iommufw.acpi;

import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableList;

/**
 * The 16-byte header common to every IORT node (Arm DEN 0049) and the node's parsed ID mappings.
 *
 * @param offset table offset of the node
 * @param typeCode the node type byte (0–6 known)
 * @param revision the node revision
 * @param length the node length, ID array and trailing data included
 * @param identifier node +4 (Identifier from IORT E on, Reserved before), raw
 * @param mappingCount number of ID mappings, as stored
 * @param mappingOffset offset of the ID array from the node start, as stored; 0 means none
 * @param mappings the ID mappings; empty when the count or the offset is 0
 */
public record IortNodeHeader(
    long offset,
    int typeCode,
    int revision,
    int length,
    long identifier,
    long mappingCount,
    long mappingOffset,
    ImmutableList<IortIdMapping> mappings) {
  /**
   * Validates the components.
   *
   * @param offset the node's table offset
   * @param typeCode the node type
   * @param revision the node revision
   * @param length the node length in bytes
   * @param identifier the node identifier
   * @param mappingCount the number of ID mappings the node declares
   * @param mappingOffset the offset of the ID mapping array inside the node
   * @param mappings the ID mappings that were read
   */
  public IortNodeHeader {
    checkNotNull(mappings);
  }
}
