package dev.iommufw.acpi;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Loads the corpus tables copied into {@code src/test/resources/acpi/}. */
final class TestTables {
  static final String[] GOOD_IORT = {
    "qemu/qemu-noiommu-iort.bin",
    "qemu/qemu-smmuv3-defbypass-iort.bin",
    "synthetic/iort-iasl-template.bin",
    "synthetic/iort-nc-rc-smmuv3.bin",
    "synthetic/iort-rmr-pmcg.bin",
    "synthetic/iort-smmuv2-segments.bin",
  };

  static final String[] GOOD_VIOT = {
    "qemu/qemu-viommu-bypass-pxb-viot.bin",
    "synthetic/viot-multiseg.bin",
    "synthetic/viot-pci-mmio.bin",
  };

  private TestTables() {}

  static byte[] load(String path) {
    try (InputStream in = TestTables.class.getResourceAsStream("/acpi/" + path)) {
      if (in == null) {
        throw new IllegalArgumentException("no test table " + path);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Recomputes the checksum of a table edited by a test. */
  static byte[] fix(byte[] table) {
    Le.fixChecksum(table);
    return table;
  }
}
