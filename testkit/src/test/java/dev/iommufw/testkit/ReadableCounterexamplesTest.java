package dev.iommufw.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;

import dev.iommufw.of.FdtBuilder;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Generated firmware and machines print as what they describe, so a failing property's shrunk
 * counterexample can be read: a device tree as DTS-like source, an IORT or VIOT as its node list, a
 * machine as its {@code machine.json} — never as {@code [B@…}.
 */
class ReadableCounterexamplesTest {
  private static RandomSource source(long seed) {
    return RandomSource.of(new SplittableRandom(seed));
  }

  @Test
  void aGeneratedDeviceTreePrintsAsDtsSource() {
    int withMap = 0;
    for (long seed = 0; seed < 20; seed++) {
      String text = Generators.deviceTree(source(seed)).toString();
      assertThat(text)
          .startsWith("/dts-v1/;\n\n/ {\n")
          .contains("#iommu-cells = <0x1>;", "compatible = \"arm,smmu-v3\"", "pcie@10000000 {")
          .doesNotContain("[B@");
      withMap += text.contains("\t\tiommu-map = <") ? 1 : 0;
    }
    assertThat(withMap).as("trees whose PCI host maps RIDs to an SMMU").isPositive();
  }

  @Test
  void propertyValuesPrintAsStringsCellsOrBytesLikeDtc() throws Exception {
    FdtBuilder tree = new FdtBuilder();
    tree.root()
        .addChild("node@1")
        .strings("compatible", "a,b", "c")
        .cells("reg", 1, 0x20)
        .bytes("mac", new byte[] {0x02, 0x54, 0x00})
        .empty("dma-coherent");
    String text = new GeneratedDtb(tree.build()).toString();
    assertThat(text)
        .contains(
            "\tnode@1 {\n",
            "\t\tcompatible = \"a,b\", \"c\";\n",
            "\t\treg = <0x1 0x20>;\n",
            "\t\tmac = [02 54 00];\n",
            "\t\tdma-coherent;\n",
            "\t};\n");
  }

  @Test
  void aMalformedBlobPrintsItsProblemNotItsAddress() {
    assertThat(new GeneratedDtb(new byte[] {1, 2, 3}).toString())
        .startsWith("/* malformed DTB (3 bytes):")
        .doesNotContain("[B@");
  }

  @Test
  void aGeneratedIortPrintsItsNodes() {
    String text = Generators.iort(source(1)).toString();
    assertThat(text)
        .startsWith("IORT rev ")
        .contains(" nodes\n", "  @0x")
        .containsAnyOf("SmmuV3[", "Smmu[")
        .doesNotContain("[B@");
  }

  @Test
  void aGeneratedViotPrintsItsNodes() {
    String text = Generators.viot(source(2)).toString();
    assertThat(text)
        .startsWith("VIOT rev ")
        .contains("PciRange[", "VirtioPciIommu[")
        .doesNotContain("[B@");
  }

  @Test
  void aGeneratedMachinePrintsAsItsMachineJson() {
    String text = Generators.machineSpec(source(3)).toString();
    assertThat(text)
        .startsWith("{")
        .contains(
            "\"format\" : \"iommufw-machine/1\"",
            "\"iommu_drivers\" : [ \"arm-smmu-v3\"",
            "\"bind_order\"",
            "/* firmware: smmus=[Smmu[");
  }

  @Test
  void aFailingPropertyReportsTheDeviceTreeAsSource() {
    assertThatThrownBy(
            () ->
                qt().withExamples(3)
                    .forAll(TestkitGens.of(Generators::deviceTree))
                    .check(dtb -> false))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("/dts-v1/;")
        .hasMessageNotContaining("[B@");
  }

  @Test
  void equalContentIsEqualAndTheBytesAreCopies() {
    GeneratedDtb a = Generators.deviceTree(source(4));
    GeneratedDtb b = new GeneratedDtb(a.bytes());
    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
    byte[] bytes = a.bytes();
    bytes[0] ^= 1;
    assertThat(a.bytes()).isNotEqualTo(bytes);
    assertThat(new GeneratedAcpiTable(Generators.iort(source(5)).bytes()))
        .isEqualTo(Generators.iort(source(5)));
  }
}
