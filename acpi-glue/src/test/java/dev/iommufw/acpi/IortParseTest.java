package dev.iommufw.acpi;

import static dev.iommufw.acpi.AcpiTableException.Problem.BAD_CHECKSUM;
import static dev.iommufw.acpi.AcpiTableException.Problem.BAD_LENGTH;
import static dev.iommufw.acpi.AcpiTableException.Problem.BAD_OFFSET;
import static dev.iommufw.acpi.AcpiTableException.Problem.BAD_REFERENCE;
import static dev.iommufw.acpi.AcpiTableException.Problem.BAD_SIGNATURE;
import static dev.iommufw.acpi.AcpiTableException.Problem.CYCLE;
import static dev.iommufw.acpi.AcpiTableException.Problem.TOO_DEEP;
import static dev.iommufw.acpi.AcpiTableException.Problem.TRUNCATED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.common.collect.ImmutableList;
import dev.iommufw.acpi.IortBuilder.Mapping;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The table checks of {@code fwspec-report.md} §4.1, one edge case each, and the node fields. */
class IortParseTest {
  static IortNode at(Iort iort, long offset) {
    return java.util.Objects.requireNonNull(iort.node(offset), "no node there");
  }

  private static AcpiTableException fails(byte[] table) {
    AcpiTableException e = catchThrowableOfType(AcpiTableException.class, () -> Iort.parse(table));
    assertThat(e).as("parse must fail").isNotNull();
    return e;
  }

  private static void assertFails(
      byte[] table, AcpiTableException.Problem problem, @Nullable Long offset) {
    AcpiTableException e = fails(table);
    assertThat(e.problem()).as(e.getMessage()).isEqualTo(problem);
    assertThat(e.nodeOffset()).as(e.getMessage()).isEqualTo(offset);
  }

  /** ITS at 48, SMMUv3 at 72, RC after it. */
  private static IortBuilder simple() {
    IortBuilder b = new IortBuilder();
    int its = b.addItsGroup(1, List.of(0L));
    int smmu =
        b.addSmmuV3(
            4, 0x9050000, 0, new long[] {1, 2, 3, 4}, 0, List.of(Mapping.to(0, 0xffff, 0, its)));
    b.addRootComplex(3, 0, 0, List.of(Mapping.to(0, 0xffff, 0, smmu)));
    return b;
  }

  @Test
  void parsesBuilderTable() throws Exception {
    IortBuilder b = simple().oemId("ABC").oemTableId("XYZ");
    Iort iort = Iort.parse(b.build());
    assertThat(iort.nodes()).hasSize(3);
    assertThat(iort.checksumValid()).isTrue();
    assertThat(iort.nodeArrayOffset()).isEqualTo(48);
    assertThat(new String(iort.header().oemId(), StandardCharsets.ISO_8859_1)).isEqualTo("ABC   ");
    assertThat(new String(iort.header().signature(), StandardCharsets.ISO_8859_1))
        .isEqualTo("IORT");
    assertThat(iort.node(48)).isInstanceOf(IortNode.ItsGroup.class);
    assertThat(iort.node(49)).isNull();
    assertThat(iort.node(b.offsetOf(1))).isInstanceOf(IortNode.SmmuV3.class);
  }

  @Test
  void signature() {
    byte[] t = simple().build();
    t[0] = 'V';
    assertFails(t, BAD_SIGNATURE, null);
    assertFails(new byte[] {'I', 'O'}, BAD_SIGNATURE, null);
  }

  @Test
  void tableSizes() {
    byte[] t = simple().build();
    assertFails(Arrays.copyOf(t, 35), TRUNCATED, null);
    assertFails(TestTables.fix(Arrays.copyOf(t, t.length - 1)), TRUNCATED, null);
    assertFails(TestTables.fix(Arrays.copyOf(t, t.length + 4)), BAD_LENGTH, null);
    byte[] tiny = Arrays.copyOf(t, 40);
    Le.put32(tiny, 4, 40);
    assertFails(TestTables.fix(tiny), BAD_LENGTH, null);
  }

  @Test
  void checksumIsAnErrorUnlessKernelCompatible() throws Exception {
    byte[] t = simple().build();
    t[20] ^= 1;
    assertFails(t, BAD_CHECKSUM, null);
    Iort lenient = Iort.parse(t, true);
    assertThat(lenient.checksumValid()).isFalse();
    assertThat(lenient.nodes()).hasSize(3);
  }

  @Test
  void nodeArrayOffset() {
    byte[] t = simple().build();
    Le.put32(t, 40, 44);
    assertFails(TestTables.fix(t), BAD_OFFSET, null);
    Le.put32(t, 40, t.length + 1);
    assertFails(TestTables.fix(t), BAD_OFFSET, null);
    // At the very end with zero nodes is fine.
    Le.put32(t, 40, t.length);
    Le.put32(t, 36, 0);
    assertThat(catchThrowableOfType(AcpiTableException.class, () -> Iort.parse(TestTables.fix(t))))
        .isNull();
  }

  @Test
  void nodeCountBeyondTheTable() {
    byte[] t = simple().build();
    Le.put32(t, 36, 4);
    assertFails(TestTables.fix(t), TRUNCATED, (long) t.length);
  }

  @Test
  void nodeLengthBelowHeaderAndZero() {
    IortBuilder b = simple();
    byte[] t = b.build();
    int smmu = b.offsetOf(1);
    Le.put16(t, smmu + 1, 0);
    assertFails(TestTables.fix(t), BAD_LENGTH, (long) smmu);
    Le.put16(t, smmu + 1, 15);
    assertFails(TestTables.fix(t), BAD_LENGTH, (long) smmu);
  }

  @Test
  void nodeRunningPastTheTable() {
    IortBuilder b = simple();
    byte[] t = b.build();
    int rc = b.offsetOf(2);
    Le.put16(t, rc + 1, t.length - rc + 1);
    assertFails(TestTables.fix(t), TRUNCATED, (long) rc);
  }

  @ParameterizedTest
  @CsvSource({"0,19", "1,29", "2,35", "3,75", "4,67", "5,31", "6,27"})
  void nodeShorterThanItsTypeMinimum(int type, int length) {
    byte[] t = new byte[48 + 16 + 80];
    System.arraycopy("IORT".getBytes(StandardCharsets.ISO_8859_1), 0, t, 0, 4);
    Le.put32(t, 4, t.length);
    Le.put32(t, 36, 1);
    Le.put32(t, 40, 48);
    Le.put8(t, 48, type);
    Le.put16(t, 49, length);
    assertFails(TestTables.fix(t), BAD_LENGTH, 48L);
  }

  @Test
  void unknownNodeTypeNeedsOnlyAHeader() throws Exception {
    IortBuilder b = new IortBuilder();
    b.addUnknown(42, List.of());
    Iort iort = Iort.parse(b.build());
    assertThat(iort.nodes().get(0)).isInstanceOf(IortNode.Unknown.class);
    assertThat(iort.nodes().get(0).header().length()).isEqualTo(16);
  }

  @Test
  void mappingArrayOutsideTheNode() {
    IortBuilder b = simple();
    byte[] t = b.build();
    int rc = b.offsetOf(2);
    Le.put32(t, rc + 12, 12); // inside the node header
    assertFails(TestTables.fix(t), BAD_OFFSET, (long) rc);
    Le.put32(t, rc + 12, 40); // array of one entry would end at 60 > 56
    assertFails(TestTables.fix(t), BAD_OFFSET, (long) rc);
    Le.put32(t, rc + 12, 36);
    Le.put32(t, rc + 8, 2); // two entries do not fit
    assertFails(TestTables.fix(t), BAD_OFFSET, (long) rc);
  }

  @Test
  void mappingOffsetZeroMeansNoArray() throws Exception {
    IortBuilder b = simple();
    byte[] t = b.build();
    int rc = b.offsetOf(2);
    Le.put32(t, rc + 12, 0);
    Iort iort = Iort.parse(TestTables.fix(t));
    IortNode node = iort.nodes().get(2);
    assertThat(node.mappings()).isEmpty();
    assertThat(node.header().mappingCount()).isEqualTo(1);
    assertThat(iort.mapId(node, 5, IortTarget.IOMMU)).isEqualTo(new IortWalkResult.Stopped(node));
  }

  @Test
  void itsIdentifierArrayPastTheNode() {
    byte[] t = simple().build();
    Le.put32(t, 48 + 16, 2); // two ITS IDs in a 24-byte node
    assertFails(TestTables.fix(t), BAD_LENGTH, 48L);
  }

  @Test
  void namedComponentNameWithoutNul() {
    IortBuilder b = new IortBuilder();
    int its = b.addItsGroup(0, List.of(0L));
    b.addNamedComponent(0, "\\_SB_.DEV0", 0, List.of(Mapping.single(1, its)));
    byte[] t = b.build();
    int nc = b.offsetOf(1);
    int arrayOff = (int) Le.u32(t, nc + 12);
    for (int i = 29; i < arrayOff; i++) {
      t[nc + i] = 'A';
    }
    assertFails(TestTables.fix(t), BAD_LENGTH, (long) nc);
  }

  @Test
  void namedComponentNameRunsToTheNodeEndWhenThereIsNoArray() throws Exception {
    IortBuilder b = new IortBuilder();
    b.addNamedComponent(0, "\\_SB_.DEV0", 0, List.of());
    Iort iort = Iort.parse(b.build());
    assertThat(((IortNode.NamedComponent) iort.nodes().get(0)).name()).isEqualTo("\\_SB_.DEV0");
    assertThat(((IortNode.NamedComponent) iort.nodes().get(0)).nameBytes())
        .isEqualTo("\\_SB_.DEV0".getBytes(StandardCharsets.ISO_8859_1));
  }

  @Test
  void rmrDescriptorsOutsideTheNode() {
    IortBuilder b = new IortBuilder();
    b.addRmr(1, 1, List.of(new IortNode.MemoryRange(0x10000, 0x10000)), List.of());
    byte[] t = b.build();
    Le.put32(t, 48 + 20, 2);
    assertFails(TestTables.fix(t), BAD_OFFSET, 48L);
    Le.put32(t, 48 + 20, 1);
    Le.put32(t, 48 + 24, 8);
    assertFails(TestTables.fix(t), BAD_OFFSET, 48L);
  }

  @Test
  void danglingReferenceNamesTheNodeHoldingTheMapping() {
    IortBuilder b = new IortBuilder();
    int its = b.addItsGroup(0, List.of(0L));
    b.addRootComplex(0, 0, 0, List.of(Mapping.to(0, 10, 0, its), Mapping.raw(20, 1, 0, 50, false)));
    assertFails(b.build(), BAD_REFERENCE, (long) b.offsetOf(1));
  }

  @Test
  void zeroReferenceIsNotDangling() throws Exception {
    IortBuilder b = new IortBuilder();
    b.addRootComplex(0, 0, 0, List.of(Mapping.raw(0, 10, 0, 0, false)));
    Iort iort = Iort.parse(b.build());
    IortNode rc = iort.nodes().get(0);
    assertThat(iort.mapId(rc, 1, IortTarget.IOMMU)).isEqualTo(new IortWalkResult.Stopped(rc));
  }

  @Test
  void cycleReportsTheFirstNodeOnTheCycle() {
    IortBuilder b = new IortBuilder();
    b.addRootComplex(0, 0, 0, List.of(Mapping.to(0, 10, 0, 2))); // 0 -> 2, not on the cycle
    b.addUnknown(9, List.of());
    b.addNamedComponent(0, "\\A", 0, List.of(Mapping.to(0, 1, 0, 3))); // 2 -> 3
    b.addNamedComponent(0, "\\B", 0, List.of(Mapping.to(0, 1, 0, 2))); // 3 -> 2
    assertFails(b.build(), CYCLE, (long) b.offsetOf(2));
  }

  @Test
  void selfLoopIsACycle() {
    IortBuilder b = new IortBuilder();
    b.addItsGroup(0, List.of(0L));
    b.addRootComplex(0, 0, 0, List.of(Mapping.to(100, 10, 0, 1)));
    assertFails(b.build(), CYCLE, (long) b.offsetOf(1));
  }

  private static IortBuilder chain(int edges) {
    IortBuilder b = new IortBuilder();
    b.addUnknown(9, List.of()); // not on the chain
    for (int i = 0; i < edges; i++) {
      b.addNamedComponent(0, "\\N" + i, 0, List.of(Mapping.to(0, 1, 0, i + 2)));
    }
    b.addItsGroup(0, List.of(0L));
    return b;
  }

  @Test
  void eightHopsAreAcceptedNineAreTooDeep() throws Exception {
    assertThat(Iort.parse(chain(8).build()).nodes()).hasSize(10);
    IortBuilder nine = chain(9);
    assertFails(nine.build(), TOO_DEEP, (long) nine.offsetOf(1));
  }

  @Test
  void corpusMalformedTables() {
    Object[][] cases = {
      {"bad-iort-checksum", BAD_CHECKSUM, null},
      {"bad-iort-cycle", CYCLE, 0x48L},
      {"bad-iort-dangling-ref", BAD_REFERENCE, 0x1c8L},
      {"bad-iort-length-short", BAD_LENGTH, null},
      {"bad-iort-mapping-offset", BAD_OFFSET, 0x48L},
      {"bad-iort-node-length0", BAD_LENGTH, 0x48L},
      {"bad-iort-node-offset", BAD_OFFSET, null},
      {"bad-iort-signature", BAD_SIGNATURE, null},
      {"bad-iort-too-deep", TOO_DEEP, 0x260L},
      {"bad-iort-truncated", TRUNCATED, null},
    };
    for (Object[] c : cases) {
      AcpiTableException e = fails(TestTables.load("malformed/" + c[0] + ".bin"));
      assertThat(e.problem()).as((String) c[0]).isEqualTo(c[1]);
      assertThat(e.nodeOffset()).as((String) c[0]).isEqualTo(c[2]);
    }
    assertThat(BAD_REFERENCE.category()).isEqualTo("bad-reference");
  }

  @Test
  void corpusTablesParse() throws Exception {
    List<String> failures = new ArrayList<>();
    for (String name : TestTables.GOOD_IORT) {
      try {
        IortProperties.exercise(Iort.parse(TestTables.load(name)));
      } catch (AcpiTableException e) {
        failures.add(name + ": " + e.getMessage());
      }
    }
    assertThat(failures).isEmpty();
  }

  @Test
  void rmrAndPmcgFromTheCorpus() throws Exception {
    Iort iort = Iort.parse(TestTables.load("synthetic/iort-rmr-pmcg.bin"));
    assertThat(iort.revision()).isEqualTo(5);
    IortNode.Pmcg pmcg = (IortNode.Pmcg) at(iort, 0xb4);
    assertThat(pmcg).isNotNull();
    assertThat(pmcg.page0Base()).isEqualTo(0x9070000L);
    assertThat(pmcg.nodeReference()).isEqualTo(0x48L);
    assertThat(pmcg.overflowGsiv()).isZero();
    assertThat(pmcg.specialIndex()).isZero();
    IortNode.Rmr rmr = (IortNode.Rmr) at(iort, 0xf0);
    assertThat(rmr).isNotNull();
    assertThat(rmr.rmrFlags()).isEqualTo(1);
    assertThat(rmr.ranges())
        .containsExactly(
            new IortNode.MemoryRange(0xe0000000L, 0x10000),
            new IortNode.MemoryRange(0xe0100000L, 0x20000));
    assertThat(rmr.mappings()).extracting(IortIdMapping::idCount).containsExactly(0L, 3L);
    IortNode.SmmuV3 smmu = (IortNode.SmmuV3) at(iort, 0x48);
    assertThat(smmu).isNotNull();
    assertThat(smmu.specialIndex()).isEqualTo(1);
  }

  @Test
  void smmuFromTheCorpus() throws Exception {
    Iort iort = Iort.parse(TestTables.load("synthetic/iort-smmuv2-segments.bin"));
    IortNode.Smmu smmu = (IortNode.Smmu) at(iort, 0x4c);
    assertThat(smmu).isNotNull();
    assertThat(smmu.model()).isEqualTo(3);
    assertThat(smmu.base()).isEqualTo(0x40000000L);
    IortNode.ItsGroup its = (IortNode.ItsGroup) at(iort, 0x30);
    assertThat(its).isNotNull();
    assertThat(its.itsIds()).isEqualTo(ImmutableList.of(0L, 1L));
  }

  @Test
  void iaslTemplateHasPaddedNodeArray() throws Exception {
    Iort iort = Iort.parse(TestTables.load("synthetic/iort-iasl-template.bin"));
    assertThat(iort.nodeArrayOffset()).isEqualTo(0x34);
    assertThat(iort.revision()).isZero();
    assertThat(iort.nodes()).extracting(IortNode::typeCode).containsExactly(0, 1, 2, 3, 4, 5);
  }
}
