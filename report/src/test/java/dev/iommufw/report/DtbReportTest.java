package dev.iommufw.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iommufw.of.FdtBuilder;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** DTB report cases the corpus does not cover: error categories and driver-model corners. */
class DtbReportTest {
  private static String report(byte[] blob) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Reports.writeReport(blob, out);
    return out.toString(StandardCharsets.ISO_8859_1);
  }

  private static String error(String category) {
    return "{\"error\":\"" + category + "\",\"format\":\"dtb\",\"offset\":null}\n";
  }

  private static byte[] small() {
    FdtBuilder b = new FdtBuilder();
    b.root().addChild("n");
    return b.build();
  }

  @Test
  void errorCategories() throws Exception {
    byte[] blob = small();
    assertThat(report(Arrays.copyOf(blob, 20))).isEqualTo(error("truncated"));
    assertThat(report(Arrays.copyOf(blob, blob.length + 1))).isEqualTo(error("bad-length"));
    byte[] v15 = small();
    ByteBuffer.wrap(v15).putInt(20, 15);
    assertThat(report(v15)).isEqualTo(error("bad-structure"));
    byte[] badOffset = small();
    ByteBuffer.wrap(badOffset).putInt(8, 0x7fffffff);
    assertThat(report(badOffset)).isEqualTo(error("bad-offset"));
  }

  @Test
  void virtioMmioNeedsIommuCellsAndNonAsciiIsEscaped() throws Exception {
    FdtBuilder b = new FdtBuilder();
    b.root()
        .addChild("virtio@1")
        .strings("compatible", "virtio,mmio")
        .cells("#iommu-cells", 1)
        .phandle(1);
    b.root()
        .addChild("virtio@2")
        .strings("compatible", "virtio,mmio", "arm,smmu-v3")
        .bytes("#iommu-cells", new byte[] {0})
        .bytes("status", "ok\u00e9".getBytes(StandardCharsets.ISO_8859_1))
        .phandle(2);
    b.root().addChild("dev").cells("iommus", 1, 0x33, 1, 0x34);
    String out = report(b.build());
    assertThat(out)
        .contains(
            "{\"kind\":\"iommu\",\"path\":\"/virtio@1\",\"phandle\":\"0x1\",\"compatible\":[\"virtio,mmio\"],"
                + "\"status\":null,\"available\":true,\"iommu_cells\":1,\"driver\":\"virtio-iommu\","
                + "\"stream_match_mask\":null}\n");
    // #iommu-cells is present (though short), so virtio,mmio decides; status has no NUL.
    assertThat(out)
        .contains(
            "\"path\":\"/virtio@2\",\"phandle\":\"0x2\",\"compatible\":[\"virtio,mmio\",\"arm,smmu-v3\"],"
                + "\"status\":\"ok\\u00e9\",\"available\":false,\"iommu_cells\":null,"
                + "\"driver\":\"virtio-iommu\"");
    assertThat(out)
        .contains(
            "\"fwspec\":{\"iommu\":\"/virtio@1\",\"driver\":\"virtio-iommu\",\"ids\":[\"0x33\",\"0x34\"],"
                + "\"flags\":\"0x0\"}");
  }
}
