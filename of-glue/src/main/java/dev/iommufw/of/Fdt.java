package dev.iommufw.of;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * An immutable, parsed flattened device tree blob (Devicetree Specification format v16/v17).
 *
 * <p>{@link #parse(byte[])} checks the blob in a fixed order (the <a
 * href="{@docRoot}/dev/iommufw/core/doc-files/report-formats.html#dtb-checks">DTB checks</a>:
 * magic; header and blob size; {@code version} at least 16, {@code last_comp_version} at most 17
 * and not above {@code version}; the reservation block 8-byte and the structure block 4-byte
 * aligned; block offsets and sizes within the blob; the structure walk) and throws {@link
 * FdtFormatException} for the first failing check; no other exception escapes for any input. Which
 * blobs it accepts matches current libfdt's {@code fdt_check_full()}, except that it reads versions
 * 16 and 17 only (libfdt: 2 and up), requires the blob to fill the input exactly, refuses an empty
 * or {@code /}-containing child node name and a property after a subnode (libfdt does not look at
 * these), accepts NOP tokens between the root node's end and the END token (libfdt 1.6.1 does not),
 * and ends the memory reservation list at the (0, 0) entry only (libfdt: at any entry of size 0).
 *
 * <p>Parsing is a single pass over the structure block with no recursion, so deep or hostile blobs
 * cannot exhaust the stack, and nothing is allocated by a size read from the blob before that size
 * has been checked against the blob's length.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class Fdt {
  /** The blob magic, {@code d0 0d fe ed}. */
  public static final int MAGIC = 0xd00dfeed;

  /** Size of a v17 header in bytes (a v16 header is 36). */
  public static final int HEADER_SIZE = 40;

  private final int version;
  private final int lastCompVersion;
  private final int totalSize;
  private final int bootCpuId;
  private final int offMemRsvmap;
  private final int offDtStruct;
  private final int sizeDtStruct;
  private final int offDtStrings;
  private final int sizeDtStrings;
  private final ImmutableList<FdtReservation> reservations;
  private final ImmutableList<FdtNode> nodes;
  private final ImmutableMap<Integer, FdtNode> byPhandle;

  Fdt(
      int[] header,
      ImmutableList<FdtReservation> reservations,
      ImmutableList<FdtNode> nodes,
      ImmutableMap<Integer, FdtNode> byPhandle) {
    this.totalSize = header[0];
    this.offDtStruct = header[1];
    this.offDtStrings = header[2];
    this.offMemRsvmap = header[3];
    this.version = header[4];
    this.lastCompVersion = header[5];
    this.bootCpuId = header[6];
    this.sizeDtStrings = header[7];
    this.sizeDtStruct = header[8];
    this.reservations = reservations;
    this.nodes = nodes;
    this.byPhandle = byPhandle;
  }

  /**
   * Parses a blob. The array is copied; later changes to it do not affect the result.
   *
   * @param blob the whole blob; its length must equal the header's {@code totalsize}
   * @return the parsed tree
   * @throws FdtFormatException when the blob is malformed
   */
  public static Fdt parse(byte[] blob) throws FdtFormatException {
    return new FdtParser(blob.clone()).parse();
  }

  /**
   * Parses the remaining bytes of a buffer (from its position to its limit). The buffer's position
   * is not changed.
   *
   * @param blob the blob
   * @return the parsed tree
   * @throws FdtFormatException when the blob is malformed
   */
  public static Fdt parse(ByteBuffer blob) throws FdtFormatException {
    byte[] copy = new byte[blob.remaining()];
    blob.duplicate().get(copy);
    return new FdtParser(copy).parse();
  }

  /**
   * Reads and parses a blob file.
   *
   * @param file the file
   * @return the parsed tree
   * @throws IOException when the file cannot be read
   * @throws FdtFormatException when the blob is malformed
   */
  public static Fdt read(Path file) throws IOException, FdtFormatException {
    return new FdtParser(Files.readAllBytes(file)).parse();
  }

  /**
   * The header's {@code version}.
   *
   * @return 16 or more
   */
  public int version() {
    return version;
  }

  /**
   * The header's {@code last_comp_version}.
   *
   * @return 17 or less, and never more than {@link #version()}
   */
  public int lastCompVersion() {
    return lastCompVersion;
  }

  /**
   * The header's {@code totalsize}: the blob length in bytes.
   *
   * @return the size
   */
  public int totalSize() {
    return totalSize;
  }

  /**
   * The header's {@code boot_cpuid_phys}.
   *
   * @return the raw value
   */
  public int bootCpuId() {
    return bootCpuId;
  }

  /**
   * The header's {@code off_mem_rsvmap}.
   *
   * @return the memory reservation block offset
   */
  public int offMemRsvmap() {
    return offMemRsvmap;
  }

  /**
   * The header's {@code off_dt_struct}.
   *
   * @return the structure block offset
   */
  public int offDtStruct() {
    return offDtStruct;
  }

  /**
   * The structure block size: {@code size_dt_struct} for v17 and later, {@code totalsize -
   * off_dt_struct} for v16 (whose header lacks the field).
   *
   * @return the structure block size
   */
  public int sizeDtStruct() {
    return sizeDtStruct;
  }

  /**
   * The header's {@code off_dt_strings}.
   *
   * @return the strings block offset
   */
  public int offDtStrings() {
    return offDtStrings;
  }

  /**
   * The header's {@code size_dt_strings}.
   *
   * @return the strings block size
   */
  public int sizeDtStrings() {
    return sizeDtStrings;
  }

  /**
   * The memory reservation entries, without the (0, 0) terminator.
   *
   * @return the entries in blob order
   */
  public ImmutableList<FdtReservation> reservations() {
    return reservations;
  }

  /**
   * The root node.
   *
   * @return the root
   */
  public FdtNode root() {
    return nodes.get(0);
  }

  /**
   * Every node in depth-first (blob) order, root first.
   *
   * @return the nodes
   */
  public ImmutableList<FdtNode> nodes() {
    return nodes;
  }

  /**
   * The number of nodes including the root.
   *
   * @return the count, at least 1
   */
  public int nodeCount() {
    return nodes.size();
  }

  /**
   * The descendants of a node of this tree (children, grandchildren, …) in depth-first order.
   *
   * @param node a node of this tree
   * @return the descendants, empty for a leaf
   * @throws IllegalArgumentException if {@code node} is not a node of this tree
   */
  public ImmutableList<FdtNode> descendants(FdtNode node) {
    checkArgument(
        node.index() < nodes.size() && nodes.get(node.index()) == node, "not a node of this tree");
    return nodes.subList(node.index() + 1, node.subtreeEnd());
  }

  /**
   * Looks a node up by its full path, such as {@code /soc/iommu@1000}. Each path component must
   * equal a node name exactly (including the unit address); with two equal sibling names the first
   * one wins.
   *
   * @param path an absolute path; {@code /} is the root
   * @return the node, or null when there is none
   */
  public @Nullable FdtNode node(String path) {
    if (path.isEmpty() || path.charAt(0) != '/') {
      return null;
    }
    FdtNode current = root();
    int start = 1;
    while (start < path.length()) {
      int end = path.indexOf('/', start);
      if (end < 0) {
        end = path.length();
      }
      if (end == start) {
        return null;
      }
      FdtNode next = null;
      for (FdtNode child : current.children()) {
        String name = child.name();
        if (name.length() == end - start && path.startsWith(name, start)) {
          next = child;
          break;
        }
      }
      if (next == null) {
        return null;
      }
      current = next;
      start = end + 1;
    }
    return current;
  }

  /**
   * Resolves a phandle: the first node in depth-first order whose {@link FdtNode#phandle()} is
   * {@code phandle}. The values 0 and {@code 0xffffffff} never resolve.
   *
   * @param phandle the phandle (u32 bit pattern)
   * @return the node, or null when none has that phandle
   */
  public @Nullable FdtNode nodeByPhandle(int phandle) {
    if (phandle == 0 || phandle == -1) {
      return null;
    }
    return byPhandle.get(phandle);
  }

  static int readInt(byte[] b, int off) {
    return ((b[off] & 0xff) << 24)
        | ((b[off + 1] & 0xff) << 16)
        | ((b[off + 2] & 0xff) << 8)
        | (b[off + 3] & 0xff);
  }

  @Override
  public String toString() {
    return "Fdt{version=" + version + ", totalsize=" + totalSize + ", nodes=" + nodes.size() + "}";
  }
}
