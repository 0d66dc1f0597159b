package dev.iommufw.acpi;

import static dev.iommufw.acpi.AcpiTableException.Problem.BAD_CHECKSUM;
import static dev.iommufw.acpi.AcpiTableException.Problem.BAD_LENGTH;
import static dev.iommufw.acpi.AcpiTableException.Problem.BAD_OFFSET;
import static dev.iommufw.acpi.AcpiTableException.Problem.BAD_SIGNATURE;
import static dev.iommufw.acpi.AcpiTableException.Problem.TRUNCATED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.Arrays;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** VIOT checks ({@code fwspec-report.md} §5.1), output-node resolution and the look-ups. */
class ViotTest {
  private static void assertFails(
      byte[] table, AcpiTableException.Problem problem, @Nullable Long offset) {
    AcpiTableException e = catchThrowableOfType(AcpiTableException.class, () -> Viot.parse(table));
    assertThat(e).as("parse must fail").isNotNull();
    assertThat(e.problem()).as(e.getMessage()).isEqualTo(problem);
    assertThat(e.nodeOffset()).as(e.getMessage()).isEqualTo(offset);
  }

  /** QEMU-like: virtio-iommu-pci at 00:02.0 (offset 48), one range over bus 0 (offset 64). */
  private static byte[] qemuLike() {
    ViotBuilder b = new ViotBuilder();
    int iommu = b.addVirtioPciIommu(0, 0x10);
    b.addPciRange(0, 0, 0, 0, 0xff, iommu);
    return b.build();
  }

  @Test
  void workedExample() throws Exception {
    Viot viot = Viot.parse(qemuLike());
    Viot.PciMatch m = Objects.requireNonNull(viot.lookupPci(0, 0x18));
    assertThat(m.endpointId()).isEqualTo(0x18);
    assertThat(m.isSelf(0, 0x18)).isFalse();
    assertThat(m.iommu()).isEqualTo(new ViotNode.VirtioPciIommu(48, 16, 0, 0x10));
    Viot.PciMatch self = Objects.requireNonNull(viot.lookupPci(0, 0x10));
    assertThat(self.isSelf(0, 0x10)).isTrue();
    assertThat(viot.lookupPci(0, 0x100)).isNull();
    assertThat(viot.lookupPci(1, 0x18)).isNull();
    assertThatThrownBy(() -> viot.lookupPci(0x10000, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void tableLevelChecks() {
    byte[] t = qemuLike();
    byte[] sig = t.clone();
    sig[0] = 'I';
    assertFails(sig, BAD_SIGNATURE, null);
    assertFails(Arrays.copyOf(t, 30), TRUNCATED, null);
    assertFails(TestTables.fix(Arrays.copyOf(t, t.length - 1)), TRUNCATED, null);
    assertFails(TestTables.fix(Arrays.copyOf(t, t.length + 1)), BAD_LENGTH, null);
    byte[] sum = t.clone();
    sum[12] ^= 4;
    assertFails(sum, BAD_CHECKSUM, null);
    byte[] off = t.clone();
    Le.put16(off, 38, 40);
    assertFails(TestTables.fix(off), BAD_OFFSET, null);
    Le.put16(off, 38, t.length + 1);
    assertFails(TestTables.fix(off), BAD_OFFSET, null);
  }

  @Test
  void nodeLevelChecks() {
    byte[] t = qemuLike();
    byte[] count = t.clone();
    Le.put16(count, 36, 3);
    assertFails(TestTables.fix(count), TRUNCATED, (long) t.length);
    byte[] zero = t.clone();
    Le.put16(zero, 48 + 2, 3);
    assertFails(TestTables.fix(zero), BAD_LENGTH, 48L);
    byte[] past = t.clone();
    Le.put16(past, 64 + 2, 25);
    assertFails(TestTables.fix(past), TRUNCATED, 64L);
    byte[] shortIommu = t.clone();
    Le.put16(shortIommu, 48 + 2, 12); // the range then starts at 60: checked after, never reached
    assertFails(TestTables.fix(shortIommu), BAD_LENGTH, 48L);
  }

  @Test
  void shortRangeNode() {
    ViotBuilder b = new ViotBuilder();
    b.addVirtioPciIommu(0, 8);
    b.addRaw(ViotNode.PCI_RANGE, 20);
    assertFails(b.build(), BAD_LENGTH, 64L);
  }

  @Test
  void corpusMalformed() {
    assertFails(TestTables.load("malformed/bad-viot-node-length.bin"), BAD_LENGTH, 0x30L);
    assertFails(TestTables.load("malformed/bad-viot-short-range.bin"), BAD_LENGTH, 0x40L);
    assertFails(TestTables.load("malformed/bad-viot-truncated.bin"), TRUNCATED, null);
  }

  @Test
  void lastRangeInTheTableWins() throws Exception {
    Viot viot = Viot.parse(TestTables.load("synthetic/viot-multiseg.bin"));
    Viot.PciMatch later = Objects.requireNonNull(viot.lookupPci(1, 0x105));
    assertThat(later.range().offset()).isEqualTo(0x58);
    assertThat(later.endpointId()).isEqualTo(0x905);
    Viot.PciMatch earlier = Objects.requireNonNull(viot.lookupPci(1, 0x110));
    assertThat(earlier.range().offset()).isEqualTo(0x40);
    assertThat(earlier.endpointId()).isEqualTo(0x20110);
  }

  @Test
  void invalidOutputNodesAreSkippedNotErrors() throws Exception {
    ViotBuilder b = new ViotBuilder();
    int iommu = b.addVirtioPciIommu(0, 8);
    int range = b.addPciRange(0x100, 0, 0, 0, 0xff, iommu);
    b.addPciRange(0x500, 0, 0, 0x10, 0x1f, range); // output is a range node: invalid
    b.addPciRange(0x600, 0, 0, 0x10, 0x1f, 40); // before the first node: invalid
    b.addPciRange(0x700, 0, 0, 0x10, 0x1f, 0xfff0); // past the table: invalid
    b.addMmioEndpoint(9, 0x1000, range); // invalid MMIO endpoint
    b.addRaw(77, 8); // unknown type, kept
    Viot viot = Viot.parse(b.build());
    assertThat(viot.nodes()).hasSize(7);
    assertThat(viot.nodes().get(6)).isEqualTo(new ViotNode.Unknown(48 + 16 + 24 * 5, 77, 8));
    assertThat(viot.outputIommu((ViotNode.Endpoint) viot.nodes().get(2))).isNull();
    assertThat(viot.outputIommu((ViotNode.Endpoint) viot.nodes().get(1))).isNotNull();
    Viot.PciMatch m = Objects.requireNonNull(viot.lookupPci(0, 0x12));
    assertThat(m.range().offset()).isEqualTo(range);
    assertThat(m.endpointId()).isEqualTo(0x112);
    assertThat(viot.lookupMmio(0x1000)).isNull();
  }

  @Test
  void endpointIdArithmeticIsU32() throws Exception {
    ViotBuilder b = new ViotBuilder();
    int iommu = b.addVirtioMmioIommu(0xa000000);
    b.addPciRange(0xffffff00L, 2, 5, 0x10, 0xffff, iommu);
    Viot viot = Viot.parse(b.build());
    // ((5 - 2) << 16) + (0x20 - 0x10) + 0xffffff00 = 0x1_0002_ff10 -> 0x2ff10
    assertThat(Objects.requireNonNull(viot.lookupPci(5, 0x20)).endpointId()).isEqualTo(0x2ff10L);
    assertThat(viot.lookupPci(6, 0x20)).isNull();
    assertThat(viot.lookupPci(3, 0xf)).isNull();
  }

  @Test
  void mmioLastWins() throws Exception {
    ViotBuilder b = new ViotBuilder();
    int iommu = b.addVirtioMmioIommu(0xa003e00L);
    b.addMmioEndpoint(0x100, 0xa003000L, iommu);
    int second = b.addMmioEndpoint(0x200, 0xa003000L, iommu);
    Viot viot = Viot.parse(b.build());
    Viot.MmioMatch m = Objects.requireNonNull(viot.lookupMmio(0xa003000L));
    assertThat(m.endpoint().offset()).isEqualTo(second);
    assertThat(m.endpoint().endpointId()).isEqualTo(0x200);
    assertThat(m.iommu()).isEqualTo(new ViotNode.VirtioMmioIommu(iommu, 16, 0xa003e00L));
    assertThat(viot.lookupMmio(0xa003001L)).isNull();
  }

  @Test
  void corpusTablesParse() throws Exception {
    for (String name : TestTables.GOOD_VIOT) {
      ViotProperties.exercise(Viot.parse(TestTables.load(name)));
    }
    Viot qemu = Viot.parse(TestTables.load("qemu/qemu-viommu-bypass-pxb-viot.bin"));
    assertThat(qemu.nodes()).hasSize(3);
    assertThat(qemu.nodeOffset()).isEqualTo(48);
  }
}
