package dev.iommufw.acpi;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.testing.EqualsTester;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * {@link AcpiTableHeader} reads every field of a real QEMU IORT header at its offset and width, and
 * equality covers every field.
 */
class AcpiTableHeaderTest {
  private static final String IORT = "qemu/qemu-smmuv3-defbypass-iort.bin";

  @Test
  void readsEveryFieldOfARealQemuHeader() {
    byte[] table = TestTables.load(IORT);
    AcpiTableHeader h = AcpiTableHeader.read(table);

    assertThat(new String(h.signature(), StandardCharsets.ISO_8859_1)).isEqualTo("IORT");
    assertThat(h.length()).isEqualTo(table.length);
    assertThat(h.revision()).isEqualTo(table[8] & 0xff);
    assertThat(h.checksum()).isEqualTo(table[9] & 0xff).isNotZero();
    assertThat(new String(h.oemId(), StandardCharsets.ISO_8859_1)).isEqualTo("BOCHS ");
    assertThat(new String(h.oemTableId(), StandardCharsets.ISO_8859_1)).isEqualTo("BXPC    ");
    assertThat(h.oemRevision()).isEqualTo(1);
    assertThat(new String(h.creatorId(), StandardCharsets.ISO_8859_1)).isEqualTo("BXPC");
    assertThat(h.creatorRevision()).isEqualTo(1);
    assertThat(h.toString())
        .isEqualTo(
            "AcpiTableHeader{signature=IORT, length="
                + table.length
                + ", revision="
                + h.revision()
                + ", oemId=BOCHS , oemTableId=BXPC    }");
  }

  @Test
  void headersAreEqualExactlyWhenEveryFieldIs() {
    byte[] table = TestTables.load(IORT);
    EqualsTester tester =
        new EqualsTester()
            .addEqualityGroup(AcpiTableHeader.read(table), AcpiTableHeader.read(table.clone()));
    // one group per field: change the field's first byte (the checksum byte is a field too)
    int[] fieldOffsets = {0, 4, 8, 9, 10, 16, 24, 28, 32};
    for (int offset : fieldOffsets) {
      byte[] other = table.clone();
      other[offset] ^= 1;
      tester.addEqualityGroup(AcpiTableHeader.read(other));
    }
    tester.testEquals();
  }
}
