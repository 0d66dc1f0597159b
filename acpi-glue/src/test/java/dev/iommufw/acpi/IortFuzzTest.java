package dev.iommufw.acpi;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Jazzer fuzz target for the IORT reader and its walks.
 *
 * <p>Property: {@link Iort#parse(byte[], boolean)} returns a table or throws {@link
 * AcpiTableException}; on a table, every walk ({@link Iort#mapId}, {@link Iort#nodeGetId}, {@link
 * Iort#mapPlatformId}) and look-up returns normally from every node. The checksum is accepted as
 * wrong (kernel-compatible mode) so that mutations reach past step 1; the strict parse runs too.
 * Any other throwable, or an input past Jazzer's per-input time limit, is a finding.
 *
 * <p>Under plain {@code mvn verify} this replays {@code
 * src/test/resources/dev/iommufw/acpi/IortFuzzTestInputs/parse/}. To fuzz for a chosen time
 * (default 2 minutes; the JVM uses about 2 GB), with inputs capped at 4 KiB for speed:
 *
 * <pre>JAZZER_FUZZ=1 JAZZER_MAX_DURATION=10m mvn -pl acpi-glue test -Dtest=IortFuzzTest \
 *     -Djazzer.internal.arg.0=fuzz -Djazzer.internal.arg.1=-max_len=4096</pre>
 *
 * A finding is saved as {@code crash-*} in the inputs directory and replays from then on.
 */
class IortFuzzTest {

  @FuzzTest(maxDuration = "2m")
  @SuppressWarnings("CheckReturnValue") // runs queries only for the exceptions they may throw
  void parse(byte[] table) {
    try {
      var unused = Iort.parse(table);
    } catch (AcpiTableException expected) {
      // fall through to the lenient parse
    }
    Iort iort;
    try {
      iort = Iort.parse(table, true);
    } catch (AcpiTableException expected) {
      return;
    }
    for (IortNode node : iort.nodes()) {
      for (IortTarget target : IortTarget.values()) {
        iort.mapId(node, 0, target);
        iort.mapId(node, 0xffffffffL, target);
        for (IortIdMapping m : node.mappings()) {
          iort.mapId(node, m.inputBase(), target);
          iort.mapId(node, m.inputEnd(), target);
          iort.mapPlatformId(node, target, m.index());
        }
      }
      iort.nodeGetId(node, 0);
      if (node instanceof IortNode.NamedComponent nc) {
        iort.findNamedComponent(nc.name());
      } else if (node instanceof IortNode.RootComplex rc) {
        iort.findRootComplex(rc.segment());
      }
    }
  }
}
