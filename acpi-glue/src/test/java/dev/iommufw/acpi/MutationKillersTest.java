package dev.iommufw.acpi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iommufw.acpi.AcpiTableException.Problem;
import dev.iommufw.acpi.IortBuilder.Mapping;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Tests written against mutants PIT found surviving in the IORT and VIOT readers (issue 12). */
class MutationKillersTest {

  private static Problem iortProblem(byte[] t) {
    try {
      var unused = Iort.parse(t);
    } catch (AcpiTableException e) {
      return e.problem();
    }
    throw new AssertionError("parsed");
  }

  private static Problem viotProblem(byte[] t) {
    try {
      var unused = Viot.parse(t);
    } catch (AcpiTableException e) {
      return e.problem();
    }
    throw new AssertionError("parsed");
  }

  @Test
  void aBareSignatureIsTruncatedNotABadSignature() {
    assertThat(iortProblem("IORT".getBytes(StandardCharsets.ISO_8859_1)))
        .isEqualTo(Problem.TRUNCATED);
    assertThat(viotProblem("VIOT".getBytes(StandardCharsets.ISO_8859_1)))
        .isEqualTo(Problem.TRUNCATED);
    assertThat(iortProblem("IOR".getBytes(StandardCharsets.ISO_8859_1)))
        .isEqualTo(Problem.BAD_SIGNATURE);
  }

  @Test
  void anIortOfExactlyItsHeaderHasNoNodes() throws AcpiTableException {
    byte[] t = new IortBuilder().build();
    assertThat(t).hasSize(48);
    Iort iort = Iort.parse(t);
    assertThat(iort.nodes()).isEmpty();
    assertThat(iort.nodeCount()).isZero();
    byte[] shorter = Arrays.copyOf(t, 47);
    Le.put32(shorter, 4, 47);
    Le.fixChecksum(shorter);
    assertThat(iortProblem(shorter)).isEqualTo(Problem.BAD_LENGTH);
  }

  @Test
  void aViotNodeAtTheVeryEndIsRead() throws AcpiTableException {
    ViotBuilder b = new ViotBuilder();
    b.addVirtioPciIommu(1, 0x0010);
    Viot viot = Viot.parse(b.build());
    assertThat(viot.nodes())
        .singleElement()
        .isInstanceOfSatisfying(
            ViotNode.VirtioPciIommu.class,
            n -> {
              assertThat(n.segment()).isEqualTo(1);
              assertThat(n.bdf()).isEqualTo(0x10);
            });
  }

  @Test
  void viotLookUpsRejectNonU16Arguments() throws AcpiTableException {
    ViotBuilder b = new ViotBuilder();
    int iommu = b.addVirtioPciIommu(0, 8);
    b.addPciRange(0, 0, 0xffff, 0, 0xffff, iommu);
    Viot viot = Viot.parse(b.build());
    assertThat(viot.lookupPci(0xffff, 0xffff)).isNotNull();
    assertThatThrownBy(() -> viot.lookupPci(0x10000, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> viot.lookupPci(0, 0x10000))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void platformIdChecksItsArguments() throws AcpiTableException {
    IortBuilder b = new IortBuilder();
    int its = b.addItsGroup(1, List.of(0L));
    b.addNamedComponent(4, "\\_SB_.DEV0", 0, List.of(Mapping.single(0x42, its)));
    Iort iort = Iort.parse(b.build());
    IortNode nc = iort.nodes().get(1);
    assertThat(iort.nodeGetId(nc, 0)).isEqualTo(new Iort.PlatformId(0x42, iort.nodes().get(0)));
    assertThat(iort.nodeGetId(nc, 1)).isNull();
    assertThatThrownBy(() -> iort.nodeGetId(nc, -1)).isInstanceOf(IllegalArgumentException.class);
    Iort other = Iort.parse(b.build());
    assertThatThrownBy(() -> iort.nodeGetId(other.nodes().get(1), 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
