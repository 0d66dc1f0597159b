package dev.iommufw.machine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * Resource bounds (issue 12) for the machine loader: a machine with more than 10^5 PCI functions
 * behind a chain of 255 nested bridges per segment loads, boots and reports (outcome only; no
 * timing).
 */
class HostileMachineTest {
  private static final String BASE = "/machines/linux-6.12-acpi-smmuv3/";
  private static final ObjectMapper JSON = new ObjectMapper();

  private static byte[] resource(String path) throws IOException {
    try (InputStream in =
        Objects.requireNonNull(HostileMachineTest.class.getResourceAsStream(path))) {
      return in.readAllBytes();
    }
  }

  private static String bdf(int segment, int bus, int dev, int fn) {
    return String.format(Locale.ROOT, "%04x:%02x:%02x.%x", segment, bus, dev, fn);
  }

  private static ObjectNode function(
      String bdf, String type, String classCode, @Nullable String parent, @Nullable String driver) {
    ObjectNode f = JSON.createObjectNode();
    f.put("bdf", bdf)
        .put("id", "1af4:1041")
        .put("class", classCode)
        .put("type", type)
        .put("pcie", false)
        .put("multifunction", true)
        .put("acs", false)
        .put("parent", parent)
        .put("driver", driver);
    return f;
  }

  /** Per segment: a host bridge, a PCI bridge on every bus to the next, 240 endpoints per bus. */
  static int addSegment(ArrayNode pci, ArrayNode bindOrder, int segment) {
    int count = 0;
    pci.add(function(bdf(segment, 0, 0, 0), "host-bridge", "0x60000", null, null));
    count++;
    String upstream = null; // the bridge whose secondary bus is the current bus
    for (int bus = 0; bus <= 0xff; bus++) {
      for (int dev = 2; dev < 32; dev++) {
        for (int fn = 0; fn < 8; fn++) {
          String name = bdf(segment, bus, dev, fn);
          pci.add(function(name, "endpoint", "0x20000", upstream, "virtio-pci"));
          bindOrder.add(name);
          count++;
        }
      }
      if (bus < 0xff) {
        String bridge = bdf(segment, bus, 1, 0);
        ObjectNode b = function(bridge, "pci-bridge", "0x60400", upstream, null);
        b.put("secondary", String.format(Locale.ROOT, "0x%x", bus + 1)).put("subordinate", "0xff");
        pci.add(b);
        count++;
        upstream = bridge;
      }
    }
    return count;
  }

  @Test
  void moreThanOneHundredThousandFunctionsBehindNestedBridges() throws Exception {
    ObjectNode root = (ObjectNode) JSON.readTree(resource(BASE + "machine.json"));
    ArrayNode hosts = root.putArray("pci_hosts");
    ArrayNode pci = root.putArray("pci");
    root.putArray("platform");
    ArrayNode bindOrder = root.putArray("bind_order");
    int functions = 0;
    for (int segment = 0; segment < 2; segment++) {
      hosts.addObject().put("segment", "0x" + segment).put("root_bus", "0x0").putNull("node");
      functions += addSegment(pci, bindOrder, segment);
    }
    assertThat(functions).isGreaterThan(100_000);

    Machine machine =
        Machine.of(
            MachineJson.parse(JSON.writeValueAsBytes(root)),
            Map.of("IORT.bin", resource(BASE + "IORT.bin")));
    MachineState state = machine.boot();

    assertThat(machine.deviceNames()).hasSizeGreaterThanOrEqualTo(functions);
    assertThat(state.devices()).hasSizeGreaterThanOrEqualTo(functions);
    assertThat(MachineReport.bytes(state)).isNotEmpty();
  }
}
