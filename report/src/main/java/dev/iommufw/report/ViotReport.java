package dev.iommufw.report;

import dev.iommufw.acpi.AcpiTableException;
import dev.iommufw.acpi.Viot;
import dev.iommufw.acpi.ViotNode;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The <a href="{@docRoot}/dev/iommufw/core/doc-files/report-formats.html#viot">VIOT report</a>: the
 * table line, one line per node, then the endpoint ID every sample PCI function and every valid
 * MMIO endpoint gets.
 */
final class ViotReport implements FirmwareReport {
  @Override
  public void write(byte[] file, JsonLines out) throws ReportException {
    Viot viot;
    try {
      viot = Viot.parse(file);
    } catch (AcpiTableException e) {
      throw AcpiReportErrors.toReport(e, "viot");
    }
    out.beginLine()
        .str("kind", "viot")
        .num("revision", viot.header().revision())
        .num("length", viot.header().length())
        .num("nodes", viot.nodes().size())
        .hex("node_offset", viot.nodeOffset());
    out.bytes("oem_id", viot.header().oemId());
    out.bytes("oem_table_id", viot.header().oemTableId());
    out.endLine();
    TreeSet<Integer> segments = new TreeSet<>();
    segments.add(0);
    TreeSet<Integer> bdfs = new TreeSet<>();
    for (long v : IortReport.FIXED_SAMPLES) {
      bdfs.add((int) v);
    }
    TreeMap<Long, ViotNode.MmioEndpoint> mmio = new TreeMap<>();
    for (ViotNode node : viot.nodes()) {
      out.beginLine()
          .str("kind", "node")
          .hex("offset", node.offset())
          .str("type", typeName(node.typeCode()))
          .num("type_code", node.typeCode())
          .num("length", node.length());
      if (node instanceof ViotNode.PciRange r) {
        out.hex("endpoint_start", r.endpointStart())
            .hex("segment_start", r.segmentStart())
            .hex("segment_end", r.segmentEnd())
            .hex("bdf_start", r.bdfStart())
            .hex("bdf_end", r.bdfEnd())
            .hex("output_node", r.outputNode())
            .bool("iommu_valid", viot.outputIommu(r) != null);
        segments.add(r.segmentStart());
        segments.add(r.segmentEnd());
        bdfs.add(r.bdfStart());
        if (r.bdfStart() > 0) {
          bdfs.add(r.bdfStart() - 1);
        }
        bdfs.add(r.bdfEnd());
        if (r.bdfEnd() < 0xffff) {
          bdfs.add(r.bdfEnd() + 1);
        }
      } else if (node instanceof ViotNode.MmioEndpoint e) {
        boolean valid = viot.outputIommu(e) != null;
        out.hex("endpoint", e.endpointId())
            .hex("base", e.base())
            .hex("output_node", e.outputNode())
            .bool("iommu_valid", valid);
        if (valid) {
          mmio.put(e.base(), e); // later nodes overwrite: the last one in the table wins
        }
      } else if (node instanceof ViotNode.VirtioPciIommu p) {
        out.hex("segment", p.segment()).hex("bdf", p.bdf());
        segments.add(p.segment());
        bdfs.add(p.bdf());
      } else if (node instanceof ViotNode.VirtioMmioIommu m) {
        out.hex("base", m.base());
      }
      out.endLine();
    }
    for (int seg : segments) {
      out.beginLine().str("kind", "pci").hex("segment", seg).beginArray("samples");
      for (int bdf : bdfs) {
        out.beginObject(null).hex("bdf", bdf);
        Viot.PciMatch m = viot.lookupPci(seg, bdf);
        if (m == null) {
          out.str("result", "none").nul("range").nul("iommu").nul("id");
        } else if (m.isSelf(seg, bdf)) {
          out.str("result", "self")
              .hex("range", m.range().offset())
              .hex("iommu", m.iommu().offset())
              .nul("id");
        } else {
          out.str("result", "ok")
              .hex("range", m.range().offset())
              .hex("iommu", m.iommu().offset())
              .hex("id", m.endpointId());
        }
        out.endObject();
      }
      out.endArray().endLine();
    }
    for (ViotNode.MmioEndpoint e : mmio.values()) {
      Viot.MmioMatch m = viot.lookupMmio(e.base());
      if (m == null) {
        continue; // cannot happen: e is valid
      }
      out.beginLine()
          .str("kind", "mmio")
          .hex("base", e.base())
          .hex("node", m.endpoint().offset())
          .hex("iommu", m.iommu().offset())
          .hex("id", m.endpoint().endpointId())
          .endLine();
    }
  }

  private static String typeName(int type) {
    return switch (type) {
      case ViotNode.PCI_RANGE -> "pci-range";
      case ViotNode.MMIO_ENDPOINT -> "mmio-endpoint";
      case ViotNode.VIRTIO_PCI_IOMMU -> "virtio-pci-iommu";
      case ViotNode.VIRTIO_MMIO_IOMMU -> "virtio-mmio-iommu";
      default -> "unknown";
    };
  }
}
