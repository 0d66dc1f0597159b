package dev.iommufw.kerneldiff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import dev.iommufw.kerneldiff.Topology.QemuDevice;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TopologyTest {
  @TempDir Path tmp;

  private static QemuDevice dev(String driver, String... kv) {
    ImmutableMap.Builder<String, String> b = ImmutableMap.builder();
    for (int i = 0; i < kv.length; i += 2) {
      b.put(kv[i], kv[i + 1]);
    }
    return new QemuDevice("-device", driver, b.buildOrThrow());
  }

  @Test
  void rendersOneOptionAndOneValuePerDeviceInOrderWithPropertiesInOrder() {
    Topology t =
        new Topology(
            "t1",
            false,
            "smmuv3",
            ImmutableList.of(
                dev("pcie-root-port", "id", "rp1", "bus", "pcie.0", "addr", "0x3", "chassis", "1"),
                dev("e1000e", "bus", "rp1", "romfile", ""),
                new QemuDevice("-blockdev", "null-co", ImmutableMap.of("node-name", "nb1")),
                dev("virtio-blk-pci", "drive", "nb1", "bus", "pcie.0", "addr", "0x4")),
            ImmutableList.of("e1000e"),
            ImmutableList.of(),
            "t1");

    assertThat(t.qemuArgs())
        .containsExactly(
            "-device", "pcie-root-port,id=rp1,bus=pcie.0,addr=0x3,chassis=1",
            "-device", "e1000e,bus=rp1,romfile=",
            "-blockdev", "null-co,node-name=nb1",
            "-device", "virtio-blk-pci,drive=nb1,bus=pcie.0,addr=0x4");
    assertThat(t.fdtEdits()).isEmpty();
  }

  @Test
  void anIommuMapEditBecomesOneFdtputLineWithTheSmmuPlaceholder() {
    Topology t =
        new Topology(
            "t2",
            false,
            "smmuv3",
            ImmutableList.of(),
            ImmutableList.of(),
            ImmutableList.of(0, 0x4000, 0x10000, 0x100, 0x20, 0x8),
            "t2");

    assertThat(t.fdtEdits())
        .containsExactly("-t x /pcie@10000000 iommu-map 0 @SMMU 4000 10000 100 @SMMU 20 8");
  }

  @Test
  void writesTheFilesTheShellBoots() throws Exception {
    Topology t =
        new Topology(
            "t3",
            true,
            "virtio-iommu",
            ImmutableList.of(dev("virtio-iommu-pci", "bus", "pcie.0", "addr", "0x1")),
            ImmutableList.of("virtio-iommu", "virtio_net"),
            ImmutableList.of(),
            "t3: viommu");

    t.writeTo(tmp.resolve("t3"));

    assertThat(Files.readAllLines(tmp.resolve("t3/qemu.args")))
        .containsExactly("-device", "virtio-iommu-pci,bus=pcie.0,addr=0x1");
    assertThat(Files.readString(tmp.resolve("t3/firmware"))).isEqualTo("acpi\n");
    assertThat(Files.readString(tmp.resolve("t3/iommu"))).isEqualTo("virtio-iommu\n");
    assertThat(Files.readString(tmp.resolve("t3/modules"))).isEqualTo("virtio-iommu virtio_net\n");
    assertThat(Files.readString(tmp.resolve("t3/fdt-edits"))).isEmpty();
  }

  @Test
  void misuseFailsFast() {
    assertThatThrownBy(
            () ->
                new Topology(
                    "a b",
                    false,
                    "smmuv3",
                    ImmutableList.of(),
                    ImmutableList.of(),
                    ImmutableList.of(),
                    ""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("file-name-safe");
    assertThatThrownBy(
            () ->
                new Topology(
                    "x",
                    true,
                    "smmuv3",
                    ImmutableList.of(),
                    ImmutableList.of(),
                    ImmutableList.of(0, 1, 2),
                    ""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("DT machine");
    assertThatThrownBy(() -> dev("e1000e", "bus", "a,b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("comma");
  }
}
