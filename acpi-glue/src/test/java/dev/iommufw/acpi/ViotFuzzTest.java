package dev.iommufw.acpi;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Jazzer fuzz target for the VIOT reader and its look-ups.
 *
 * <p>Property: {@link Viot#parse(byte[])} returns a table or throws {@link AcpiTableException}; on
 * a table, {@link Viot#outputIommu}, {@link Viot#lookupPci} and {@link Viot#lookupMmio} return
 * normally. Each input is parsed as given and again with its checksum fixed, so that mutations
 * reach past the checksum check. Any other throwable, or an input past Jazzer's per-input time
 * limit, is a finding.
 *
 * <p>Under plain {@code mvn verify} this replays {@code
 * src/test/resources/dev/iommufw/acpi/ViotFuzzTestInputs/parse/}. To fuzz for a chosen time
 * (default 2 minutes; the JVM uses about 2 GB), with inputs capped at 4 KiB for speed:
 *
 * <pre>JAZZER_FUZZ=1 JAZZER_MAX_DURATION=10m mvn -pl acpi-glue test -Dtest=ViotFuzzTest \
 *     -Djazzer.internal.arg.0=fuzz -Djazzer.internal.arg.1=-max_len=4096</pre>
 *
 * A finding is saved as {@code crash-*} in the inputs directory and replays from then on.
 */
class ViotFuzzTest {

  @FuzzTest(maxDuration = "2m")
  void parse(byte[] table) {
    check(table);
    if (table.length > 9) {
      byte[] fixed = table.clone();
      Le.fixChecksum(fixed);
      check(fixed);
    }
  }

  @SuppressWarnings("CheckReturnValue") // runs queries only for the exceptions they may throw
  private static void check(byte[] table) {
    Viot viot;
    try {
      viot = Viot.parse(table);
    } catch (AcpiTableException expected) {
      return;
    }
    for (ViotNode node : viot.nodes()) {
      if (node instanceof ViotNode.Endpoint e) {
        viot.outputIommu(e);
      }
      if (node instanceof ViotNode.PciRange r) {
        viot.lookupPci(r.segmentStart(), r.bdfStart());
        viot.lookupPci(r.segmentEnd(), r.bdfEnd());
      } else if (node instanceof ViotNode.MmioEndpoint m) {
        viot.lookupMmio(m.base());
      } else if (node instanceof ViotNode.VirtioPciIommu p) {
        viot.lookupPci(p.segment(), p.bdf());
      }
    }
  }
}
