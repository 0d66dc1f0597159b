package dev.iommufw.kerneldiff;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ComparisonTest {
  private static List<DeviceResult> report(String jsonl) throws ObservationException {
    return DeviceResult.parseReport(jsonl);
  }

  @Test
  void equalReportsGiveNoLine() throws Exception {
    String r = Resources.text("shipped/linux-6.18-dt-smmuv3/expected.jsonl");

    assertThat(Comparison.diff("kernel", report(r), "library", report(r))).isEmpty();
  }

  @Test
  void oneLinePerDifferingDeviceNamingEachDifferingField() throws Exception {
    String kernel =
        """
        {"device":"0000:03:02.0","bus":"pci","driver":null,"result":"error","iommu":null,\
        "ids":["0x310","0x300"],"errno":"ENODEV","group":null}
        {"device":"0000:00:01.0","bus":"pci","driver":"virtio-pci","result":"ok",\
        "iommu":"smmu3.0x0000000009050000","ids":["0x8"],"errno":null,"group":"0000:00:01.0"}
        """;
    String library =
        """
        {"device":"0000:03:02.0","bus":"pci","driver":null,"result":"unprobed","iommu":null,\
        "ids":[],"errno":null,"group":null}
        {"device":"0000:00:01.0","bus":"pci","driver":"virtio-pci","result":"ok",\
        "iommu":"smmu3.0x0000000009050000","ids":["0x8"],"errno":null,"group":"0000:00:01.0"}
        {"device":"/pl031@9010000","bus":"platform","driver":"rtc-pl031","result":"none",\
        "iommu":null,"ids":[],"errno":null,"group":null}
        """;

    List<String> d = Comparison.diff("kernel", report(kernel), "library", report(library));

    assertThat(d)
        .containsExactly(
            "0000:03:02.0: kernel error ENODEV [0x310,0x300] | library unprobed "
                + "(result error vs unprobed; ids 0x310,0x300 vs ; errno ENODEV vs null)",
            "/pl031@9010000: only in library: none");
  }

  @Test
  void reportLinesRoundTripThroughTheWriter() throws Exception {
    String r = Resources.text("shipped/linux-6.18-acpi-smmuv3-switch/expected.jsonl");

    assertThat(DeviceResult.toReport(report(r))).isEqualTo(r);
  }
}
