package dev.iommufw.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iommufw.of.FdtBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Resource bounds (issue 12) for the report path, {@link Reports#writeReport}: hostile DTB shapes
 * end in a report or one error line, in time and memory linear in the input (outcomes only; the
 * time is measured by {@code HostileInputBenchmark}).
 */
class HostileReportTest {

  private static String report(byte[] file) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThat(Reports.writeReport(file, out)).isTrue();
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void treeOneHundredThousandNodesDeep() throws IOException {
    FdtBuilder b = new FdtBuilder();
    b.root()
        .addChild("iommu")
        .strings("compatible", "arm,smmu-v3")
        .cells("#iommu-cells", 1)
        .phandle(1);
    FdtBuilder.Node n = b.root();
    for (int i = 0; i < 100_000; i++) {
      n = n.addChild("n");
    }
    n.cells("iommus", 1, 42);

    String report = report(b.build());

    assertThat(report).startsWith("{\"kind\":\"dtb\"").contains("\"nodes\":100002");
    assertThat(report.lines()).hasSize(3); // header, the IOMMU, the client
  }

  @Test
  void hundredThousandPhandlesNamedByOneIommusList() throws IOException {
    // 10^5, not 10^6: the report has a line per IOMMU; of-glue's HostileDtbTest parses 10^6.
    FdtBuilder b = new FdtBuilder();
    FdtBuilder.Node bus = b.root().addChild("bus");
    int[] iommus = new int[100_000];
    for (int i = 0; i < iommus.length; i++) {
      bus.addChild("i")
          .strings("compatible", "arm,smmu-v3")
          .cells("#iommu-cells", 0)
          .phandle(i + 1);
      iommus[i] = i + 1;
    }
    b.root().addChild("client").cells("iommus", iommus);

    String report = report(b.build());

    assertThat(report.lines()).hasSize(1 + 100_000 + 1);
  }

  @Test
  void iommuMapOfManyEntries() throws IOException {
    // Before IommuMap's index, the ~4 samples per tuple each scanned the map: quadratic.
    int entries = 20_000;
    FdtBuilder b = new FdtBuilder();
    b.root()
        .addChild("iommu")
        .strings("compatible", "arm,smmu-v3")
        .cells("#iommu-cells", 1)
        .phandle(3);
    int[] map = new int[4 * entries];
    for (int k = 0; k < entries; k++) {
      map[4 * k] = k << 4;
      map[4 * k + 1] = 3;
      map[4 * k + 2] = k;
      map[4 * k + 3] = 16;
    }
    b.root().addChild("pcie").cells("iommu-map", map);

    String report = report(b.build());

    assertThat(report.lines()).hasSize(3);
    assertThat(report).contains("\"rid\":\"0x4e1ff\"");
  }
}
