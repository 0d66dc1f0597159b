package dev.iommufw.of;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.collect.ImmutableMap;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The reader's verdicts on the blobs that the libfdt differential check ({@code
 * src/test/libfdt/compare.sh}, run by hand against libfdt 1.6.1) found to matter, asserted offline:
 * the project's edge-case blobs of {@code src/test/resources/libfdt/} (see its NOTICE.md and {@code
 * verdicts.tsv}) and equivalents of dtc's hand-made test trees ({@link DtcTestTrees}).
 */
class LibfdtAgreementTest {
  private static byte[] resource(String name) throws IOException {
    try (InputStream in = LibfdtAgreementTest.class.getResourceAsStream("/libfdt/" + name)) {
      return Objects.requireNonNull(in, name).readAllBytes();
    }
  }

  private static String javaVerdict(byte[] blob) {
    return FdtVerdictMain.verdict(blob).split("\t", -1)[0];
  }

  private static List<String[]> verdictRows() throws IOException {
    String tsv = new String(resource("verdicts.tsv"), StandardCharsets.UTF_8);
    return tsv.lines()
        .filter(l -> !l.startsWith("#") && !l.isBlank())
        .map(l -> l.split("\t", -1))
        .toList();
  }

  @Test
  void verdictTableCoversEveryBlobAndExplainsEachDifference() throws IOException {
    List<String[]> rows = verdictRows();
    assertThat(rows).hasSize(8);
    for (String[] row : rows) {
      assertThat(row).as("columns of %s", row[0]).hasSize(4);
      boolean libfdtAccepts = row[1].equals("OK");
      boolean javaAccepts = row[2].equals("OK");
      assertThat(row[3])
          .as("%s: libfdt %s, reader %s", row[0], row[1], row[2])
          .startsWith(
              libfdtAccepts == javaAccepts
                  ? (row[0].equals("base.dtb") ? "" : "agree:")
                  : "differ:");
    }
  }

  @TestFactory
  Stream<DynamicTest> readerGivesTheRecordedVerdictOnEachEdgeBlob() throws IOException {
    return verdictRows().stream()
        .map(
            row ->
                DynamicTest.dynamicTest(
                    row[0],
                    () -> assertThat(javaVerdict(resource(row[0]))).as(row[3]).isEqualTo(row[2])));
  }

  /** libfdt 1.6.1's verdict on each tree of dtc's {@code trees.S}, measured by compare.sh. */
  private static final ImmutableMap<String, String> LIBFDT_ON_DTC_TREES =
      ImmutableMap.<String, String>builder()
          .put("truncated_property", "FDT_ERR_BADSTRUCTURE")
          .put("bad_node_char", "OK")
          .put("bad_node_format", "OK")
          .put("bad_prop_char", "OK")
          .put("ovf_size_strings", "FDT_ERR_TRUNCATED")
          .put("truncated_string", "FDT_ERR_TRUNCATED")
          .put("truncated_memrsv", "FDT_ERR_TRUNCATED")
          .put("unterminated_memrsv", "FDT_ERR_TRUNCATED")
          .put("two_roots", "FDT_ERR_BADSTRUCTURE")
          .put("named_root", "FDT_ERR_BADSTRUCTURE")
          .buildOrThrow();

  /** The reader's verdict on the same trees: the same accept/reject decision each time. */
  private static final ImmutableMap<String, String> READER_ON_DTC_TREES =
      ImmutableMap.<String, String>builder()
          .put("truncated_property", "BAD_STRUCTURE")
          .put("bad_node_char", "OK") // names are not checked for legal characters
          .put("bad_node_format", "OK")
          .put("bad_prop_char", "OK")
          .put("ovf_size_strings", "BAD_OFFSET")
          .put("truncated_string", "BAD_STRUCTURE")
          .put("truncated_memrsv", "BAD_OFFSET")
          .put("unterminated_memrsv", "BAD_OFFSET")
          .put("two_roots", "BAD_STRUCTURE")
          .put("named_root", "BAD_STRUCTURE")
          .buildOrThrow();

  @TestFactory
  Stream<DynamicTest> readerAgreesWithLibfdtOnDtcsHandMadeTrees() {
    assertThat(READER_ON_DTC_TREES.keySet())
        .isEqualTo(LIBFDT_ON_DTC_TREES.keySet())
        .isEqualTo(DtcTestTrees.all().keySet());
    return DtcTestTrees.all().entrySet().stream()
        .map(
            e ->
                DynamicTest.dynamicTest(
                    e.getKey(),
                    () -> {
                      String reader = javaVerdict(e.getValue());
                      String libfdt = LIBFDT_ON_DTC_TREES.get(e.getKey());
                      assertThat(reader).isEqualTo(READER_ON_DTC_TREES.get(e.getKey()));
                      assertThat(reader.equals("OK"))
                          .as("libfdt: %s", libfdt)
                          .isEqualTo("OK".equals(libfdt));
                    }));
  }

  @Test
  void misalignedBlocksAreRefusedAsBadOffsets() throws Exception {
    for (String name : List.of("rsvmap-misaligned.dtb", "struct-misaligned.dtb")) {
      assertThat(javaVerdict(resource(name))).as(name).isEqualTo("BAD_OFFSET");
    }
  }

  @Test
  void onlyTheZeroZeroEntryEndsTheReservationList() throws Exception {
    // rsvmap-size0-terminator.dtb ends its list with (0xdead0000, 0) instead of (0, 0): libfdt
    // stops there, the Devicetree Specification (and this reader) read on to a (0, 0) entry.
    assertThat(Fdt.parse(resource("base.dtb")).reservations())
        .containsExactly(new FdtReservation(0x80000000L, 0x10000));
    assertThat(javaVerdict(resource("rsvmap-size0-terminator.dtb"))).isNotEqualTo("OK");
  }
}
