package dev.iommufw.kerneldiff;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * What one PCI function's configuration space says, as the guest read it from sysfs ({@code
 * /sys/bus/pci/devices/BDF/config}): IDs, class, header type, the PCI Express capability's port
 * type, and the ACS capability and control.
 *
 * @param vendor vendor ID
 * @param device device ID
 * @param classCode the 24-bit class code
 * @param headerType the header type byte (bit 7: multi-function)
 * @param pcieType the PCI Express capability's device/port type, or -1 without one
 * @param acsCap the ACS capability register, or -1 without an ACS capability (or when the extended
 *     space was not readable)
 * @param acsCtrl the ACS control register, or -1
 * @param secondary the secondary bus number (type 1 headers), else 0
 * @param subordinate the subordinate bus number (type 1 headers), else 0
 */
public record PciConfig(
    int vendor,
    int device,
    int classCode,
    int headerType,
    int pcieType,
    int acsCap,
    int acsCtrl,
    int secondary,
    int subordinate) {

  private static final int CAP_PCIE = 0x10;
  private static final int EXT_CAP_ACS = 0x000d;

  /** ACS source validation, request redirect, completion redirect, upstream forwarding. */
  private static final int ACS_WANTED = 0x1 | 0x4 | 0x8 | 0x10;

  /**
   * Parses a hex dump of configuration space (at least the 64-byte header).
   *
   * @param hex lowercase or uppercase hex digits, two per byte, no separators
   * @return the facts
   * @throws IllegalArgumentException if the dump is shorter than 64 bytes or not hex
   */
  public static PciConfig parse(String hex) {
    checkArgument(
        hex.length() % 2 == 0 && hex.length() >= 128,
        "PCI config dump of %s hex digits: need an even number, at least 128",
        hex.length());
    byte[] b = new byte[hex.length() / 2];
    for (int i = 0; i < b.length; i++) {
      int hi = Character.digit(hex.charAt(2 * i), 16);
      int lo = Character.digit(hex.charAt(2 * i + 1), 16);
      checkArgument(hi >= 0 && lo >= 0, "PCI config dump: not hex at offset %s", i);
      b[i] = (byte) (hi << 4 | lo);
    }
    int vendor = u16(b, 0);
    int device = u16(b, 2);
    int classCode = u8(b, 0x09) | u8(b, 0x0a) << 8 | u8(b, 0x0b) << 16;
    int header = u8(b, 0x0e);
    int pcieType = -1;
    if ((u16(b, 0x06) & 0x10) != 0) { // capabilities list
      int ptr = u8(b, 0x34) & 0xfc;
      for (int guard = 0;
          ptr >= 0x40 && ptr + 4 <= Math.min(b.length, 256) && guard < 48;
          guard++) {
        if (u8(b, ptr) == CAP_PCIE) {
          pcieType = (u16(b, ptr + 2) >> 4) & 0xf;
          break;
        }
        ptr = u8(b, ptr + 1) & 0xfc;
      }
    }
    int acsCap = -1;
    int acsCtrl = -1;
    if (pcieType >= 0 && b.length >= 0x104) {
      int ptr = 0x100;
      for (int guard = 0; ptr >= 0x100 && ptr + 8 <= b.length && guard < 512; guard++) {
        int hdr = u16(b, ptr) | u16(b, ptr + 2) << 16;
        if (hdr == 0 || hdr == -1) {
          break;
        }
        if ((hdr & 0xffff) == EXT_CAP_ACS) {
          acsCap = u16(b, ptr + 4);
          acsCtrl = u16(b, ptr + 6);
          break;
        }
        ptr = (hdr >>> 20) & 0xffc;
      }
    }
    boolean type1 = (header & 0x7f) == 1;
    return new PciConfig(
        vendor,
        device,
        classCode,
        header,
        pcieType,
        acsCap,
        acsCtrl,
        type1 ? u8(b, 0x19) : 0,
        type1 ? u8(b, 0x1a) : 0);
  }

  /**
   * Whether the header says multi-function (bit 7 of the header type).
   *
   * @return the bit
   */
  public boolean multifunctionBit() {
    return (headerType & 0x80) != 0;
  }

  /**
   * Whether the function has a PCI Express capability.
   *
   * @return true with one
   */
  public boolean pcie() {
    return pcieType >= 0;
  }

  /**
   * Whether the function has an ACS capability and every one of source validation, request
   * redirect, completion redirect and upstream forwarding that it lists is enabled.
   *
   * @return the machine description's {@code acs}
   */
  public boolean acsEnabled() {
    if (acsCap < 0) {
      return false;
    }
    int wanted = acsCap & ACS_WANTED;
    return (acsCtrl & wanted) == wanted;
  }

  /**
   * The machine description's {@code type} for this function.
   *
   * @return {@code endpoint}, {@code root-port}, … as the machine format names them
   */
  public String type() {
    boolean bridgeClass = (classCode >> 8) == 0x0604;
    if ((classCode >> 8) == 0x0600 && (headerType & 0x7f) == 0) {
      return "host-bridge";
    }
    return switch (pcieType) {
      case 4 -> "root-port";
      case 5 -> "upstream-port";
      case 6 -> "downstream-port";
      case 7 -> "pcie-to-pci-bridge";
      case 8 -> "pci-to-pcie-bridge";
      case 9 -> "rc-integrated-endpoint";
      default -> bridgeClass && pcieType < 0 ? "pci-bridge" : "endpoint";
    };
  }

  /**
   * Whether the function is a PCI-to-PCI bridge (class 06 04).
   *
   * @return true for a bridge
   */
  public boolean isBridge() {
    return (classCode >> 8) == 0x0604;
  }

  private static int u8(byte[] b, int off) {
    return off < b.length ? b[off] & 0xff : 0;
  }

  private static int u16(byte[] b, int off) {
    return u8(b, off) | u8(b, off + 1) << 8;
  }
}
