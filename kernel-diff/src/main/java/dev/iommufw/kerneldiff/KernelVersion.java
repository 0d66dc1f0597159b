package dev.iommufw.kerneldiff;

/** Kernel series strings, {@code MAJOR.MINOR} (a longer version is cut to its series). */
final class KernelVersion {
  private KernelVersion() {}

  static boolean atLeast(String version, int major, int minor) {
    String[] p = version.split("[.+-]", -1);
    if (p.length < 2) {
      throw new IllegalArgumentException("kernel version " + version + " is not MAJOR.MINOR");
    }
    int ma = Integer.parseInt(p[0]);
    int mi = Integer.parseInt(p[1]);
    return ma > major || (ma == major && mi >= minor);
  }

  static String series(String version) {
    String[] p = version.split("[.+-]", -1);
    if (p.length < 2) {
      throw new IllegalArgumentException("kernel version " + version + " is not MAJOR.MINOR");
    }
    return Integer.parseInt(p[0]) + "." + Integer.parseInt(p[1]);
  }
}
