package dev.iommufw.report;

import com.google.common.collect.ImmutableSortedSet;
import dev.iommufw.acpi.AcpiTableException;
import dev.iommufw.acpi.Iort;
import dev.iommufw.acpi.IortIdMapping;
import dev.iommufw.acpi.IortNode;
import dev.iommufw.acpi.IortTarget;
import dev.iommufw.acpi.IortWalkResult;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The <a href="{@docRoot}/dev/iommufw/core/doc-files/report-formats.html#iort">IORT report</a>: the
 * table line, one line per node, then what Linux's {@code iort_iommu_configure_id()} gives each
 * named component and each root complex for sample input IDs.
 */
final class IortReport implements FirmwareReport {
  /** The fixed sample inputs every report starts from. */
  static final long[] FIXED_SAMPLES = {0x0, 0x8, 0x10, 0x18, 0xff, 0x100, 0x200, 0x8000, 0xffff};

  private static final long U32 = 0xffffffffL;

  @Override
  public void write(byte[] file, JsonLines out) throws ReportException {
    Iort iort;
    try {
      iort = Iort.parse(file);
    } catch (AcpiTableException e) {
      throw AcpiReportErrors.toReport(e, "iort");
    }
    out.beginLine()
        .str("kind", "iort")
        .num("revision", iort.revision())
        .num("length", iort.header().length())
        .num("nodes", iort.nodeCount())
        .hex("node_offset", iort.nodeArrayOffset());
    out.bytes("oem_id", iort.header().oemId());
    out.bytes("oem_table_id", iort.header().oemTableId());
    out.endLine();
    for (IortNode node : iort.nodes()) {
      writeNode(node, out);
    }
    Set<String> names = new HashSet<>();
    for (IortNode node : iort.nodes()) {
      if (node instanceof IortNode.NamedComponent nc) {
        writeNc(iort, nc, !names.add(nc.name()), out);
      }
    }
    Set<Long> segments = new HashSet<>();
    for (IortNode node : iort.nodes()) {
      if (node instanceof IortNode.RootComplex rc) {
        out.beginLine()
            .str("kind", "rc")
            .hex("offset", rc.offset())
            .hex("segment", rc.segment())
            .bool("shadowed", !segments.add(rc.segment()))
            .bool("ats", rc.ats())
            .beginArray("samples");
        for (long rid : samples(rc)) {
          out.beginObject(null).hex("rid", rid);
          walkResult(iort.mapId(rc, rid, IortTarget.IOMMU), out);
          out.endObject();
        }
        out.endArray().endLine();
      }
    }
  }

  static String typeName(int type) {
    return switch (type) {
      case IortNode.ITS_GROUP -> "its";
      case IortNode.NAMED_COMPONENT -> "nc";
      case IortNode.ROOT_COMPLEX -> "rc";
      case IortNode.SMMU -> "smmu";
      case IortNode.SMMU_V3 -> "smmuv3";
      case IortNode.PMCG -> "pmcg";
      case IortNode.RMR -> "rmr";
      default -> "unknown";
    };
  }

  private static void writeNode(IortNode node, JsonLines out) {
    out.beginLine()
        .str("kind", "node")
        .hex("offset", node.offset())
        .str("type", typeName(node.typeCode()))
        .num("type_code", node.typeCode())
        .num("revision", node.header().revision())
        .num("length", node.header().length())
        .hex("identifier", node.header().identifier())
        .beginArray("mappings");
    for (IortIdMapping m : node.mappings()) {
      out.beginObject(null)
          .num("index", m.index())
          .hex("input_base", m.inputBase())
          .hex("id_count", m.idCount())
          .hex("output_base", m.outputBase())
          .hex("output_ref", m.outputReference())
          .bool("single", m.single())
          .endObject();
    }
    out.endArray();
    // Unknown nodes have no type-specific keys.
    if (node instanceof IortNode.ItsGroup its) {
      out.beginArray("its_ids");
      for (long id : its.itsIds()) {
        out.hexValue(id);
      }
      out.endArray();
    } else if (node instanceof IortNode.NamedComponent nc) {
      out.str("name", nc.name());
      out.hex("node_flags", nc.nodeFlags());
    } else if (node instanceof IortNode.RootComplex rc) {
      out.hex("segment", rc.segment()).hex("ats_attribute", rc.atsAttribute());
    } else if (node instanceof IortNode.Smmu smmu) {
      out.hex("base", smmu.base()).num("model", smmu.model());
    } else if (node instanceof IortNode.SmmuV3 v3) {
      out.hex("base", v3.base())
          .num("model", v3.model())
          .num("deviceid_index", v3.deviceIdIndex())
          .num("special_index", toLong(v3.specialIndex()));
    } else if (node instanceof IortNode.Pmcg pmcg) {
      out.hex("base", pmcg.page0Base())
          .hex("node_ref", pmcg.nodeReference())
          .num("special_index", toLong(pmcg.specialIndex()));
    } else if (node instanceof IortNode.Rmr rmr) {
      out.hex("rmr_flags", rmr.rmrFlags()).beginArray("ranges");
      for (IortNode.MemoryRange r : rmr.ranges()) {
        out.beginObject(null).hex("base", r.base()).hex("length", r.length()).endObject();
      }
      out.endArray();
    }
    out.endLine();
  }

  private static @Nullable Long toLong(@Nullable Integer v) {
    return v == null ? null : (long) v;
  }

  /** Sample inputs of an NC or RC: the fixed set plus the edges of each non-single mapping. */
  static ImmutableSortedSet<Long> samples(IortNode node) {
    TreeSet<Long> s = new TreeSet<>();
    for (long v : FIXED_SAMPLES) {
      s.add(v);
    }
    for (IortIdMapping m : node.mappings()) {
      if (m.single()) {
        continue;
      }
      long base = m.inputBase();
      s.add(base);
      if (base > 0) {
        s.add(base - 1);
      }
      s.add(m.inputEnd());
      if (base + m.idCount() + 1 <= U32) {
        s.add(base + m.idCount() + 1);
      }
    }
    return ImmutableSortedSet.copyOf(s);
  }

  /** Appends {@code "result","node","type","id"} for a walk result. */
  static void walkResult(IortWalkResult r, JsonLines out) {
    if (r instanceof IortWalkResult.Reached reached) {
      out.str("result", "iommu")
          .hex("node", reached.node().offset())
          .str("type", typeName(reached.node().typeCode()))
          .hex("id", reached.id());
    } else if (r instanceof IortWalkResult.StoppedAtIts its) {
      out.str("result", "its")
          .hex("node", its.node().offset())
          .str("type", "its")
          .hex("id", its.id());
    } else {
      out.str("result", "none")
          .hex("node", r.node().offset())
          .str("type", typeName(r.node().typeCode()))
          .nul("id");
    }
  }

  private static void writeNc(
      Iort iort, IortNode.NamedComponent nc, boolean shadowed, JsonLines out) {
    out.beginLine().str("kind", "nc").hex("offset", nc.offset());
    out.str("name", nc.name());
    out.bool("shadowed", shadowed).beginArray("platform");
    IortNode fwspecNode = null;
    List<Long> ids = new ArrayList<>();
    boolean mismatch = false;
    for (int i = 0; i < nc.mappings().size(); i++) {
      out.beginObject(null).num("index", i);
      IortWalkResult r = iort.mapPlatformId(nc, IortTarget.IOMMU, i);
      if (r == null) {
        out.str("result", "none").nul("node").nul("type").nul("id").endObject();
        break;
      }
      walkResult(r, out);
      out.endObject();
      if (!(r instanceof IortWalkResult.Reached reached)) {
        break;
      }
      if (fwspecNode == null) {
        fwspecNode = reached.node();
      } else if (fwspecNode.typeCode() != reached.node().typeCode()) {
        mismatch = true;
        break;
      }
      ids.add(reached.id());
    }
    out.endArray();
    if (mismatch) {
      out.str("result", "error").str("reason", "driver-mismatch").nul("fwspec");
    } else if (fwspecNode == null) {
      out.str("result", "none").str("reason", "no-iommu").nul("fwspec");
    } else {
      out.str("result", "ok")
          .nul("reason")
          .beginObject("fwspec")
          .hex("iommu", fwspecNode.offset())
          .str("type", typeName(fwspecNode.typeCode()))
          .beginArray("ids");
      for (long id : ids) {
        out.hexValue(id);
      }
      out.endArray().str("flags", "0x0").endObject();
    }
    out.beginArray("samples");
    for (long in : samples(nc)) {
      out.beginObject(null).hex("in", in);
      walkResult(iort.mapId(nc, in, IortTarget.IOMMU), out);
      out.endObject();
    }
    out.endArray().endLine();
  }
}
