package dev.iommufw.report;

import com.google.common.collect.ImmutableList;
import com.google.common.primitives.ImmutableIntArray;
import dev.iommufw.of.Fdt;
import dev.iommufw.of.FdtFormatException;
import dev.iommufw.of.FdtNode;
import dev.iommufw.of.FdtProperty;
import dev.iommufw.of.IommuMap;
import dev.iommufw.of.IommusEntry;
import dev.iommufw.of.MapResult;
import dev.iommufw.of.OfDiagnostic;
import dev.iommufw.of.OfIommus;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * The <a href="{@docRoot}/dev/iommufw/core/doc-files/report-formats.html#dtb">device tree
 * report</a>: a {@code dtb} line, then {@code iommu}, {@code client} and {@code map} lines, each
 * group sorted by path.
 */
final class DtbReport implements FirmwareReport {
  /** The fixed sample RIDs of §3.3. */
  private static final long[] FIXED_SAMPLES = {
    0x0, 0x8, 0x10, 0x18, 0xff, 0x100, 0x200, 0x8000, 0xffff
  };

  /**
   * By path; a class rather than {@code Comparator.comparing}, whose lambdas cost start-up time.
   */
  private static final Comparator<FdtNode> BY_PATH = new ByPath();

  private static final class ByPath implements Comparator<FdtNode> {
    @Override
    public int compare(FdtNode a, FdtNode b) {
      return a.path().compareTo(b.path());
    }
  }

  @Override
  public void write(byte[] file, JsonLines out) throws ReportException {
    Fdt fdt;
    try {
      fdt = Fdt.parse(file);
    } catch (FdtFormatException e) {
      throw toReportException(e);
    }
    out.beginLine()
        .str("kind", "dtb")
        .num("version", Integer.toUnsignedLong(fdt.version()))
        .num("totalsize", fdt.totalSize())
        .num("nodes", fdt.nodeCount())
        .endLine();
    List<FdtNode> iommus = new ArrayList<>();
    List<FdtNode> clients = new ArrayList<>();
    List<FdtNode> maps = new ArrayList<>();
    for (FdtNode node : fdt.nodes()) {
      for (FdtProperty p : node.properties()) {
        switch (p.name()) {
          case "#iommu-cells" -> addOnce(iommus, node);
          case "iommus" -> addOnce(clients, node);
          case "iommu-map" -> addOnce(maps, node);
          default -> {}
        }
      }
    }
    iommus.sort(BY_PATH);
    clients.sort(BY_PATH);
    maps.sort(BY_PATH);
    for (FdtNode node : iommus) {
      writeIommu(node, out);
    }
    for (FdtNode node : clients) {
      writeClient(fdt, node, out);
    }
    for (FdtNode node : maps) {
      writeMap(fdt, node, out);
    }
  }

  private static void addOnce(List<FdtNode> list, FdtNode node) {
    // Nodes arrive in DFS order; a repeated property name must not list the node twice.
    if (list.isEmpty() || list.get(list.size() - 1) != node) {
      list.add(node);
    }
  }

  private static ReportException toReportException(FdtFormatException e) {
    String category;
    String format = "dtb";
    switch (e.problem()) {
      case BAD_SIGNATURE -> {
        category = "bad-signature";
        format = null;
      }
      case TRUNCATED -> category = "truncated";
      case BAD_LENGTH -> category = "bad-length";
      case BAD_OFFSET -> category = "bad-offset";
      case BAD_STRUCTURE -> category = "bad-structure";
      default -> throw new AssertionError(e.problem());
    }
    return new ReportException(category, format, null, String.valueOf(e.getMessage()), e);
  }

  private static @Nullable Long u32(FdtNode node, String name) {
    OptionalInt v = node.u32(name);
    return v.isPresent() ? Integer.toUnsignedLong(v.getAsInt()) : null;
  }

  private static void writeIommu(FdtNode node, JsonLines out) {
    OptionalInt phandle = node.phandle();
    out.beginLine()
        .str("kind", "iommu")
        .str("path", node.path())
        .hex("phandle", phandle.isPresent() ? Integer.toUnsignedLong(phandle.getAsInt()) : null);
    out.beginArray("compatible");
    for (String c : node.compatible()) {
      out.strValue(c);
    }
    out.endArray()
        .str("status", node.status())
        .bool("available", node.isAvailable())
        .num("iommu_cells", u32(node, "#iommu-cells"))
        .str("driver", DtDriverModel.driver(node))
        .hex("stream_match_mask", u32(node, "stream-match-mask"))
        .endLine();
  }

  private static void writeDiagnostics(ImmutableList<OfDiagnostic> diagnostics, JsonLines out) {
    out.beginArray("diagnostics");
    for (OfDiagnostic d : diagnostics) {
      Integer index = d.index();
      out.beginObject(null)
          .str("code", d.code())
          .num("index", index == null ? null : Long.valueOf(index))
          .endObject();
    }
    out.endArray();
  }

  private static void writeClient(Fdt fdt, FdtNode node, JsonLines out) {
    OfIommus parsed = OfIommus.parse(fdt, node);
    ImmutableList<IommusEntry> entries = parsed.entries();
    out.beginLine()
        .str("kind", "client")
        .str("path", node.path())
        .str("status", node.status())
        .bool("available", node.isAvailable());
    out.beginArray("entries");
    for (IommusEntry e : entries) {
      out.beginObject(null)
          .num("index", e.index())
          .hex("phandle", Integer.toUnsignedLong(e.phandle()))
          .str("iommu", e.target().path());
      out.beginArray("cells");
      for (int i = 0; i < e.args().length(); i++) {
        out.hexValue(Integer.toUnsignedLong(e.args().get(i)));
      }
      out.endArray().endObject();
    }
    out.endArray();
    writeDiagnostics(parsed.diagnostics(), out);

    String result;
    String reason = null;
    String firstDriver = null;
    long[] ids = new long[entries.size()];
    if (!node.isAvailable()) {
      result = "disabled";
      reason = "client-disabled";
    } else if (entries.isEmpty()) {
      result = "none";
      reason = "no-entries";
    } else {
      result = "ok";
      for (int i = 0; i < entries.size(); i++) {
        IommusEntry e = entries.get(i);
        FdtNode iommu = e.target();
        String driver = DtDriverModel.driver(iommu);
        if (!iommu.isAvailable()) {
          result = "none";
          reason = "iommu-unavailable";
          break;
        }
        if (driver == null) {
          result = "unmodeled";
          reason = "unmodeled-driver";
          break;
        }
        if (i == 0) {
          firstDriver = driver;
        } else if (!driver.equals(firstDriver)) {
          result = "error";
          reason = "driver-mismatch";
          break;
        }
        ImmutableIntArray specifier = e.specifier();
        OptionalLong id = DtDriverModel.xlate(driver, iommu, specifier);
        if (id.isEmpty()) {
          result = "error";
          reason = "no-cells";
          break;
        }
        ids[i] = id.getAsLong();
      }
    }
    out.str("result", result).str("reason", reason);
    if (result.equals("ok") && firstDriver != null) {
      out.beginObject("fwspec")
          .str("iommu", entries.get(0).target().path())
          .str("driver", firstDriver);
      out.beginArray("ids");
      for (long id : ids) {
        out.hexValue(id);
      }
      out.endArray().hex("flags", 0L).endObject();
    } else {
      out.nul("fwspec");
    }
    out.endLine();
  }

  private static void writeMap(Fdt fdt, FdtNode node, JsonLines out) {
    IommuMap map = IommuMap.parse(fdt, node);
    out.beginLine()
        .str("kind", "map")
        .str("path", node.path())
        .str("status", node.status())
        .bool("available", node.isAvailable())
        .hex("mask", Integer.toUnsignedLong(map.mask()))
        .bool("ats", node.hasProperty("ats-supported"));
    out.beginArray("entries");
    for (IommuMap.Entry e : map.entries()) {
      FdtNode iommu = e.iommu();
      out.beginObject(null)
          .num("index", e.index())
          .hex("rid_base", Integer.toUnsignedLong(e.ridBase()))
          .hex("phandle", Integer.toUnsignedLong(e.phandle()))
          .str("iommu", iommu == null ? null : iommu.path())
          .hex("out_base", Integer.toUnsignedLong(e.outBase()))
          .hex("length", Integer.toUnsignedLong(e.length()))
          .endObject();
    }
    out.endArray();
    writeDiagnostics(
        map.hasBadLength()
            ? ImmutableList.of(new OfDiagnostic(OfDiagnostic.Kind.BAD_MAP_LENGTH, null))
            : ImmutableList.of(),
        out);
    out.beginArray("samples");
    for (long rid : samples(fdt, node, map)) {
      writeSample(map, rid, out);
    }
    out.endArray().endLine();
  }

  private static long[] samples(Fdt fdt, FdtNode node, IommuMap map) {
    long[] buf = new long[FIXED_SAMPLES.length + 4 * map.entries().size() + 16];
    int n = 0;
    for (long s : FIXED_SAMPLES) {
      buf[n++] = s;
    }
    FdtProperty deviceType = node.property("device_type");
    if (deviceType != null && deviceType.firstString().equals("pci")) {
      for (FdtNode d : fdt.descendants(node)) {
        FdtProperty reg = d.property("reg");
        if (reg != null && reg.length() > 0 && reg.length() % 20 == 0) {
          if (n == buf.length) {
            buf = Arrays.copyOf(buf, 2 * n);
          }
          buf[n++] = (reg.cell(0) >>> 8) & 0xffffL;
        }
      }
    }
    for (IommuMap.Entry e : map.entries()) {
      long base = Integer.toUnsignedLong(e.ridBase());
      long length = Integer.toUnsignedLong(e.length());
      if (n + 4 > buf.length) {
        buf = Arrays.copyOf(buf, 2 * buf.length + 4);
      }
      buf[n++] = base;
      if (base > 0) {
        buf[n++] = base - 1;
      }
      if (length > 0) {
        buf[n++] = (base + length - 1) & 0xffffffffL;
      }
      if (base + length <= 0xffffffffL) {
        buf[n++] = base + length;
      }
    }
    // sorted and distinct, without a stream pipeline (its classes and lambdas cost start-up time)
    Arrays.sort(buf, 0, n);
    int distinct = 0;
    for (int i = 0; i < n; i++) {
      if (distinct == 0 || buf[i] != buf[distinct - 1]) {
        buf[distinct++] = buf[i];
      }
    }
    return Arrays.copyOf(buf, distinct);
  }

  private static void writeSample(IommuMap map, long rid, JsonLines out) {
    out.beginObject(null).hex("rid", rid);
    MapResult r = map.mapId((int) rid);
    String result;
    String reason = null;
    Long entry = null;
    String iommuPath = null;
    Long outId = null;
    Long id = null;
    if (r instanceof MapResult.Failed f) {
      result = "error";
      switch (f.error()) {
        case EINVAL -> reason = "bad-map-length";
        case EFAULT -> reason = "base-outside-mask";
        default -> throw new AssertionError(f);
      }
      Integer k = f.entryIndex();
      entry = k == null ? null : Long.valueOf(k);
    } else if (r instanceof MapResult.NoMatch) {
      result = "none";
      reason = "no-match";
    } else {
      MapResult.Mapped m = (MapResult.Mapped) r;
      entry = (long) m.entryIndex();
      outId = Integer.toUnsignedLong(m.outId());
      FdtNode iommu = m.node();
      if (iommu == null) {
        result = "none";
        reason = "no-node";
      } else {
        iommuPath = iommu.path();
        String driver = DtDriverModel.driver(iommu);
        if (!iommu.isAvailable()) {
          result = "none";
          reason = "iommu-unavailable";
        } else if (driver == null) {
          result = "unmodeled";
          reason = "unmodeled-driver";
        } else {
          result = "ok";
          // One output cell: xlate cannot fail.
          id = DtDriverModel.xlate(driver, iommu, ImmutableIntArray.of(m.outId())).orElse(0);
        }
      }
    }
    out.str("result", result)
        .str("reason", reason)
        .num("entry", entry)
        .str("iommu", iommuPath)
        .hex("out", outId)
        .hex("id", id)
        .endObject();
  }
}
