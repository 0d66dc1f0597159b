package dev.iommufw.core.pci;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * A PCI function's address: segment (domain), bus and devfn — the one PCI address type of the API.
 * Ordered by segment, bus, device, function, which is the order Linux enumerates and {@code lspci}
 * lists functions in. {@link #of(int, int, int, int)} takes device and function apart; {@link
 * #parse} reads the Linux form; {@link #ofRequesterId} a segment and requester ID.
 *
 * @param segment PCI segment, 0–0xffff
 * @param bus bus number, 0–0xff
 * @param devfn {@code device << 3 | function}, 0–0xff
 */
public record Bdf(int segment, int bus, int devfn) implements Comparable<Bdf> {
  /**
   * Validates the components.
   *
   * @param segment PCI segment, 0–0xffff
   * @param bus bus number, 0–0xff
   * @param devfn {@code device << 3 | function}, 0–0xff
   */
  public Bdf {
    checkArgument(segment >= 0 && segment <= 0xffff, "segment out of range: %s", segment);
    checkArgument(bus >= 0 && bus <= 0xff, "bus out of range: %s", bus);
    checkArgument(devfn >= 0 && devfn <= 0xff, "devfn out of range: %s", devfn);
  }

  /**
   * The address with the given requester ID on a segment.
   *
   * @param segment PCI segment
   * @param requesterId {@code bus << 8 | devfn}, 0–0xffff
   * @return the address
   */
  public static Bdf ofRequesterId(int segment, int requesterId) {
    checkArgument(requesterId >= 0 && requesterId <= 0xffff, "RID out of range: %s", requesterId);
    return new Bdf(segment, requesterId >>> 8, requesterId & 0xff);
  }

  /**
   * The address of a device and function number on a bus, which spells out what the canonical
   * constructor packs into {@code devfn}: {@code Bdf.of(0, 0, 2, 0)} is {@code 0000:00:02.0}.
   *
   * @param segment PCI segment, 0–0xffff
   * @param bus bus number, 0–0xff
   * @param device device number, 0–0x1f
   * @param function function number, 0–7
   * @return the address
   */
  public static Bdf of(int segment, int bus, int device, int function) {
    checkArgument(device >= 0 && device <= 0x1f, "device out of range: %s", device);
    checkArgument(function >= 0 && function <= 7, "function out of range: %s", function);
    return new Bdf(segment, bus, device << 3 | function);
  }

  /**
   * Parses the Linux form {@code SSSS:BB:DD.F} (lowercase or uppercase hex; exactly four, two, two
   * and one digits; device at most 0x1f, function at most 7).
   *
   * @param text the address
   * @return the address
   * @throws IllegalArgumentException naming {@code text} if it is not of that form
   */
  public static Bdf parse(String text) {
    Bdf bdf = tryParse(text);
    if (bdf == null) {
      throw new IllegalArgumentException(
          "not a PCI address of the form SSSS:BB:DD.F: \"" + text + "\"");
    }
    return bdf;
  }

  /**
   * Parses the Linux form {@code SSSS:BB:DD.F} as {@link #parse} does, for input that may be
   * something else (for example a device tree path where either may appear).
   *
   * @param text the text
   * @return the address, or null if {@code text} is not of that form
   */
  public static @Nullable Bdf tryParse(String text) {
    checkNotNull(text);
    if (text.length() != 12
        || text.charAt(4) != ':'
        || text.charAt(7) != ':'
        || text.charAt(10) != '.') {
      return null;
    }
    int segment = hex(text, 0, 4);
    int bus = hex(text, 5, 7);
    int device = hex(text, 8, 10);
    int function = hex(text, 11, 12);
    if (segment < 0 || bus < 0 || device < 0 || device > 0x1f || function < 0 || function > 7) {
      return null;
    }
    return new Bdf(segment, bus, device << 3 | function);
  }

  private static int hex(String s, int from, int to) {
    int v = 0;
    for (int i = from; i < to; i++) {
      int d = Character.digit(s.charAt(i), 16);
      if (d < 0) {
        return -1;
      }
      v = v << 4 | d;
    }
    return v;
  }

  /**
   * The requester ID, {@code bus << 8 | devfn}.
   *
   * @return the RID
   */
  public int requesterId() {
    return bus << 8 | devfn;
  }

  /**
   * The device number, {@code devfn >> 3}.
   *
   * @return 0–0x1f
   */
  public int device() {
    return devfn >>> 3;
  }

  /**
   * The function number, {@code devfn & 7}.
   *
   * @return 0–7
   */
  public int function() {
    return devfn & 7;
  }

  @Override
  public int compareTo(Bdf o) {
    int c = Integer.compare(segment, o.segment);
    if (c == 0) {
      c = Integer.compare(bus, o.bus);
    }
    return c != 0 ? c : Integer.compare(devfn, o.devfn);
  }

  /**
   * The Linux form, {@code 0000:03:01.0}.
   *
   * @return the address as Linux names the device
   */
  @Override
  public String toString() {
    return String.format(Locale.ROOT, "%04x:%02x:%02x.%d", segment, bus, device(), function());
  }
}
