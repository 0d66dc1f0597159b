package dev.iommufw.machine;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Linux version whose rules a machine boots by ({@code machine.json}'s {@code kernel}, {@code
 * MAJOR.MINOR}). Versions order numerically: {@code 6.9 < 6.12 < 6.15 < 7.3}.
 *
 * @param major the major version
 * @param minor the minor version
 */
public record KernelVersion(int major, int minor) implements Comparable<KernelVersion> {
  /**
   * The first version whose IOMMU core parses the firmware in the probe path (upstream commit
   * "iommu: Get DT/ACPI parsing into the proper probe path").
   */
  public static final KernelVersion FIRMWARE_IN_PROBE = new KernelVersion(6, 15);

  private static final Pattern FORM = Pattern.compile("(0|[1-9][0-9]{0,3})\\.(0|[1-9][0-9]{0,3})");

  /**
   * Validates the numbers.
   *
   * @param major the major version, 0–9999
   * @param minor the minor version, 0–9999
   */
  public KernelVersion {
    checkArgument(major >= 0 && major <= 9999, "major version out of range: %s", major);
    checkArgument(minor >= 0 && minor <= 9999, "minor version out of range: %s", minor);
  }

  /**
   * Parses {@code MAJOR.MINOR}: two decimal numbers of at most four digits without leading zeros,
   * separated by one dot ({@code 6.1}, {@code 6.12}, {@code 7.3}). Anything else, including a patch
   * level ({@code 6.12.117}), is not a version.
   *
   * @param text the text
   * @return the version, or empty if the text is not of that form
   */
  public static Optional<KernelVersion> parse(String text) {
    Matcher m = FORM.matcher(text);
    if (!m.matches()) {
      return Optional.empty();
    }
    return Optional.of(
        new KernelVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))));
  }

  /**
   * Whether this version parses the firmware in the IOMMU probe path ({@code >= 6.15}):
   * registration probes every device present, every device is DMA-configured, and one failed probe
   * fails the registration.
   *
   * @return true from 6.15 on
   */
  public boolean firmwareInProbe() {
    return compareTo(FIRMWARE_IN_PROBE) >= 0;
  }

  @Override
  public int compareTo(KernelVersion other) {
    return major != other.major
        ? Integer.compare(major, other.major)
        : Integer.compare(minor, other.minor);
  }

  @Override
  public String toString() {
    return major + "." + minor;
  }
}
