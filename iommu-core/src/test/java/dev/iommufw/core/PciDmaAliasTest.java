package dev.iommufw.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.primitives.ImmutableIntArray;
import dev.iommufw.core.pci.Bdf;
import dev.iommufw.core.pci.PciDev;
import dev.iommufw.core.pci.PciDmaAlias;
import dev.iommufw.core.pci.PciFunction;
import dev.iommufw.core.pci.PciQuirks;
import dev.iommufw.core.pci.PciTopology;
import dev.iommufw.core.pci.PciType;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/** One test per rule of {@code pci_for_each_dma_alias} (of-binding.md §5) and machine.md §2. */
class PciDmaAliasTest {
  static Bdf bdf(int bus, int dev, int fn) {
    return new Bdf(0, bus, dev << 3 | fn);
  }

  static PciDev.Builder endpoint(
      Bdf at, @org.jspecify.annotations.Nullable Bdf parent, boolean pcie) {
    return PciDev.builder(at, PciType.ENDPOINT)
        .id(0x1af4, 0x1000)
        .classCode(0x020000)
        .pcie(pcie)
        .parent(parent);
  }

  static PciDev.Builder bridge(Bdf at, PciType type, boolean pcie, int sec, int sub) {
    return PciDev.builder(at, type).classCode(0x060400).pcie(pcie).window(sec, sub);
  }

  static List<Integer> rids(PciTopology t, Bdf at) {
    return t.dmaAliases(Objects.requireNonNull(t.function(at))).stream()
        .map(PciDmaAlias::requesterId)
        .toList();
  }

  static List<Bdf> carriers(PciTopology t, Bdf at) {
    return t.dmaAliases(Objects.requireNonNull(t.function(at))).stream()
        .map(a -> a.carrier().bdf())
        .toList();
  }

  @Test
  void rootBusFunctionHasOnlyItsOwnRid() {
    PciTopology t =
        PciTopology.builder()
            .rootBus(0, 0)
            .add(PciDev.builder(bdf(0, 2, 0), PciType.ENDPOINT).build())
            .build();
    assertThat(rids(t, bdf(0, 2, 0))).containsExactly(0x10);
    assertThat(t.pciFunction(Objects.requireNonNull(t.function(bdf(0, 2, 0)))))
        .isEqualTo(new PciFunction(Bdf.ofRequesterId(0, 0x10), ImmutableIntArray.of(0x10)));
  }

  @Test
  void rootAndSwitchPortsAddNoAlias() {
    PciTopology t =
        PciTopology.builder()
            .rootBus(0, 0)
            .add(bridge(bdf(0, 2, 0), PciType.ROOT_PORT, true, 1, 4).build())
            .add(
                bridge(bdf(1, 0, 0), PciType.UPSTREAM_PORT, true, 2, 4)
                    .parent(bdf(0, 2, 0))
                    .build())
            .add(
                bridge(bdf(2, 1, 0), PciType.DOWNSTREAM_PORT, true, 4, 4)
                    .parent(bdf(1, 0, 0))
                    .build())
            .add(endpoint(bdf(4, 0, 0), bdf(2, 1, 0), true).build())
            .build();
    assertThat(rids(t, bdf(4, 0, 0))).containsExactly(0x400);
  }

  @Test
  void pcieToPciBridgeGivesSecondaryBusDevfnZeroNotSubordinate() {
    PciTopology t =
        PciTopology.builder()
            .rootBus(0, 0)
            .add(bridge(bdf(0, 4, 0), PciType.ROOT_PORT, true, 2, 4).build())
            .add(
                bridge(bdf(2, 0, 0), PciType.PCIE_TO_PCI_BRIDGE, true, 3, 4)
                    .parent(bdf(0, 4, 0))
                    .build())
            .add(endpoint(bdf(3, 1, 0), bdf(2, 0, 0), false).build())
            .build();
    assertThat(rids(t, bdf(3, 1, 0))).containsExactly(0x308, 0x300);
    assertThat(carriers(t, bdf(3, 1, 0))).containsExactly(bdf(3, 1, 0), bdf(2, 0, 0));
  }

  @Test
  void pciToPcieBridgeGivesItsOwnRid() {
    PciTopology t =
        PciTopology.builder()
            .rootBus(0, 0)
            .add(bridge(bdf(0, 5, 0), PciType.PCI_TO_PCIE_BRIDGE, false, 1, 1).build())
            .add(endpoint(bdf(1, 0, 0), bdf(0, 5, 0), true).build())
            .build();
    assertThat(rids(t, bdf(1, 0, 0))).containsExactly(0x100, 0x28);
  }

  @Test
  void conventionalBridgeGivesItsOwnRidUnlessFlagged() {
    PciTopology.Builder b =
        PciTopology.builder()
            .rootBus(0, 0)
            .add(bridge(bdf(0, 1, 0), PciType.ROOT_PORT, true, 1, 2).build())
            .add(endpoint(bdf(2, 3, 0), bdf(1, 0, 0), false).build());
    PciTopology plain =
        PciTopology.builder()
            .rootBus(0, 0)
            .add(bridge(bdf(0, 1, 0), PciType.ROOT_PORT, true, 1, 2).build())
            .add(bridge(bdf(1, 0, 0), PciType.PCI_BRIDGE, false, 2, 2).parent(bdf(0, 1, 0)).build())
            .add(endpoint(bdf(2, 3, 0), bdf(1, 0, 0), false).build())
            .build();
    assertThat(rids(plain, bdf(2, 3, 0))).containsExactly(0x218, 0x100);
    PciTopology flagged =
        b.add(
                bridge(bdf(1, 0, 0), PciType.PCI_BRIDGE, false, 2, 2)
                    .parent(bdf(0, 1, 0))
                    .pcieBridgeAlias(true)
                    .build())
            .build();
    assertThat(rids(flagged, bdf(2, 3, 0))).containsExactly(0x218, 0x200);
  }

  @Test
  void quirkDevfnsFollowTheOwnRidAscendingOnTheSameBus() {
    PciTopology t =
        PciTopology.builder()
            .rootBus(0, 0)
            .add(bridge(bdf(0, 1, 0), PciType.ROOT_PORT, true, 1, 1).build())
            .add(endpoint(bdf(1, 0, 1), bdf(0, 1, 0), true).quirkAliasDevfns(0x10, 0x00).build())
            .build();
    assertThat(rids(t, bdf(1, 0, 1))).containsExactly(0x101, 0x100, 0x110);
    assertThat(carriers(t, bdf(1, 0, 1))).containsOnly(bdf(1, 0, 1));
  }

  @Test
  void nestedBridgesAliasInWalkOrderNearestFirst() {
    // root port → PCIe-to-PCI bridge (bus 2) → conventional bridge (bus 3) → device.
    PciTopology t =
        PciTopology.builder()
            .rootBus(0, 0)
            .add(bridge(bdf(0, 1, 0), PciType.ROOT_PORT, true, 1, 3).build())
            .add(
                bridge(bdf(1, 0, 0), PciType.PCIE_TO_PCI_BRIDGE, true, 2, 3)
                    .parent(bdf(0, 1, 0))
                    .build())
            .add(bridge(bdf(2, 4, 0), PciType.PCI_BRIDGE, false, 3, 3).parent(bdf(1, 0, 0)).build())
            .add(endpoint(bdf(3, 0, 0), bdf(2, 4, 0), false).build())
            .build();
    assertThat(rids(t, bdf(3, 0, 0))).containsExactly(0x300, 0x220, 0x200);
    assertThat(carriers(t, bdf(3, 0, 0))).containsExactly(bdf(3, 0, 0), bdf(2, 4, 0), bdf(1, 0, 0));
  }

  @Test
  void translationRootStopsTheWalk() {
    PciTopology t =
        PciTopology.builder()
            .rootBus(0, 0)
            .add(bridge(bdf(0, 1, 0), PciType.PCI_TO_PCIE_BRIDGE, false, 1, 2).build())
            .add(
                bridge(bdf(1, 0, 0), PciType.PCI_BRIDGE, false, 2, 2)
                    .parent(bdf(0, 1, 0))
                    .translationRoot(true)
                    .build())
            .add(endpoint(bdf(2, 0, 0), bdf(1, 0, 0), false).build())
            .build();
    assertThat(rids(t, bdf(2, 0, 0))).containsExactly(0x200);
    PciDev dev = Objects.requireNonNull(t.function(bdf(2, 0, 0)));
    assertThat(t.dmaAliases(dev, false))
        .extracting(PciDmaAlias::requesterId)
        .containsExactly(0x200, 0x100, 0x8);
  }

  @Test
  void forEachDmaAliasStopsAtTheFirstNonNullResult() {
    PciTopology t =
        PciTopology.builder()
            .rootBus(0, 0)
            .add(bridge(bdf(0, 4, 0), PciType.ROOT_PORT, true, 2, 3).build())
            .add(
                bridge(bdf(2, 0, 0), PciType.PCIE_TO_PCI_BRIDGE, true, 3, 3)
                    .parent(bdf(0, 4, 0))
                    .build())
            .add(endpoint(bdf(3, 1, 0), bdf(2, 0, 0), false).quirkAliasDevfns(0x10).build())
            .build();
    PciDev dev = Objects.requireNonNull(t.function(bdf(3, 1, 0)));
    int[] calls = {0};
    String r = t.forEachDmaAlias(dev, a -> ++calls[0] == 2 ? "stop@" + a.requesterId() : null);
    assertThat(r).isEqualTo("stop@" + 0x310);
    assertThat(calls[0]).isEqualTo(2);
  }

  @Test
  void withoutQuirksTheDevfnsAndFlagsAreIgnored() {
    PciTopology t =
        PciTopology.builder()
            .rootBus(0, 0)
            .add(bridge(bdf(0, 1, 0), PciType.ROOT_PORT, true, 1, 2).build())
            .add(
                bridge(bdf(1, 0, 0), PciType.PCI_BRIDGE, false, 2, 2)
                    .parent(bdf(0, 1, 0))
                    .pcieBridgeAlias(true)
                    .build())
            .add(endpoint(bdf(2, 1, 0), bdf(1, 0, 0), false).quirkAliasDevfns(0x0).build())
            .build();
    PciDev dev = Objects.requireNonNull(t.function(bdf(2, 1, 0)));
    assertThat(t.dmaAliases(dev))
        .extracting(PciDmaAlias::requesterId)
        .containsExactly(0x208, 0x200, 0x200);
    assertThat(t.dmaAliases(dev, false))
        .extracting(PciDmaAlias::requesterId)
        .containsExactly(0x208, 0x100);
  }

  @Test
  void pcieBridgeAliasQuirkNeedsEveryCondition() {
    PciDev rootPort = bridge(bdf(0, 1, 0), PciType.ROOT_PORT, true, 1, 2).build();
    PciDev asmedia =
        bridge(bdf(1, 0, 0), PciType.PCI_BRIDGE, false, 2, 2)
            .id(0x1b21, 0x1080)
            .parent(bdf(0, 1, 0))
            .build();
    assertThat(PciQuirks.usesPcieBridgeDmaAlias(asmedia, rootPort)).isTrue();
    for (int id : new int[] {0x10e38113, 0x12838892, 0x12838893, 0x8086244e}) {
      assertThat(
              PciQuirks.usesPcieBridgeDmaAlias(
                  asmedia.toBuilder().id(id >>> 16, id & 0xffff).build(), rootPort))
          .isTrue();
    }
    assertThat(
            PciQuirks.usesPcieBridgeDmaAlias(
                asmedia.toBuilder().id(0x1b21, 0x1081).build(), rootPort))
        .as("other ID")
        .isFalse();
    assertThat(PciQuirks.usesPcieBridgeDmaAlias(asmedia.toBuilder().pcie(true).build(), rootPort))
        .as("PCIe itself")
        .isFalse();
    assertThat(PciQuirks.usesPcieBridgeDmaAlias(asmedia, rootPort.toBuilder().pcie(false).build()))
        .as("conventional parent")
        .isFalse();
    PciDev pcieToPci = bridge(bdf(0, 1, 0), PciType.PCIE_TO_PCI_BRIDGE, true, 1, 2).build();
    assertThat(PciQuirks.usesPcieBridgeDmaAlias(asmedia, pcieToPci))
        .as("parent is a PCIe-to-PCI bridge")
        .isFalse();

    PciTopology applied =
        PciQuirks.apply(
            PciTopology.builder()
                .rootBus(0, 0)
                .add(rootPort)
                .add(asmedia)
                .add(endpoint(bdf(2, 0, 0), bdf(1, 0, 0), false).build())
                .build());
    assertThat(rids(applied, bdf(2, 0, 0))).containsExactly(0x200, 0x200);
    PciTopology onRoot =
        PciQuirks.apply(
            PciTopology.builder()
                .rootBus(0, 1)
                .add(asmedia.toBuilder().parent(null).build())
                .build());
    assertThat(Objects.requireNonNull(onRoot.function(bdf(1, 0, 0))).pcieBridgeAlias())
        .as("not on a root bus")
        .isFalse();
  }

  @Test
  void isolationRules() {
    PciDev ep = endpoint(bdf(1, 0, 0), bdf(0, 1, 0), true).build();
    assertThat(PciTopology.isolated(ep)).as("single-function PCIe endpoint").isTrue();
    assertThat(PciTopology.isolated(ep.toBuilder().multifunction(true).build())).isFalse();
    assertThat(PciTopology.isolated(ep.toBuilder().multifunction(true).acs(true).build())).isTrue();
    assertThat(PciTopology.isolated(ep.toBuilder().pcie(false).acs(true).build())).isFalse();
    PciDev rp = bridge(bdf(0, 1, 0), PciType.ROOT_PORT, true, 1, 1).build();
    assertThat(PciTopology.isolated(rp)).isFalse();
    assertThat(PciTopology.isolated(rp.toBuilder().acs(true).build())).isTrue();
    PciDev up = bridge(bdf(1, 0, 0), PciType.UPSTREAM_PORT, true, 2, 2).build();
    assertThat(PciTopology.isolated(up)).isTrue();
    assertThat(PciTopology.isolated(up.toBuilder().multifunction(true).build())).isFalse();
    assertThat(
            PciTopology.isolated(
                bridge(bdf(1, 0, 0), PciType.PCIE_TO_PCI_BRIDGE, true, 2, 2).acs(true).build()))
        .isFalse();
    PciDev rciep =
        PciDev.builder(bdf(0, 2, 0), PciType.RC_INTEGRATED_ENDPOINT)
            .pcie(true)
            .multifunction(true)
            .id(0x8086, 0x1234)
            .build();
    assertThat(PciTopology.isolated(rciep)).as("Intel RCiEP quirk").isTrue();
    assertThat(PciTopology.isolated(rciep.toBuilder().id(0x1af4, 0x1234).build())).isFalse();
  }

  @Test
  void inconsistentTopologiesAreRejected() {
    PciDev rp = bridge(bdf(0, 1, 0), PciType.ROOT_PORT, true, 1, 1).build();
    assertThatThrownBy(() -> PciTopology.builder().rootBus(0, 0).add(rp).add(rp).build())
        .hasMessageContaining("duplicate");
    assertThatThrownBy(
            () ->
                PciTopology.builder()
                    .rootBus(0, 0)
                    .add(endpoint(bdf(1, 0, 0), bdf(0, 2, 0), true).build())
                    .build())
        .hasMessageContaining("not a bridge");
    assertThatThrownBy(
            () ->
                PciTopology.builder()
                    .rootBus(0, 0)
                    .add(rp)
                    .add(endpoint(bdf(2, 0, 0), bdf(0, 1, 0), true).build())
                    .build())
        .hasMessageContaining("window");
    // Two bridges that claim each other: every bus is inside the other's window.
    assertThatThrownBy(
            () ->
                PciTopology.builder()
                    .rootBus(0, 0)
                    .add(
                        bridge(bdf(1, 0, 0), PciType.PCI_BRIDGE, false, 2, 2)
                            .parent(bdf(2, 0, 0))
                            .build())
                    .add(
                        bridge(bdf(2, 0, 0), PciType.PCI_BRIDGE, false, 1, 1)
                            .parent(bdf(1, 0, 0))
                            .build())
                    .build())
        .hasMessageContaining("cycle");
  }

  @Test
  void bdfParsesAndPrintsTheLinuxForm() {
    assertThat(Bdf.parse("0000:03:01.0")).isEqualTo(new Bdf(0, 3, 8));
    assertThat(Bdf.parse("00ab:ff:1f.7")).hasToString("00ab:ff:1f.7");
    assertThat(Bdf.tryParse("0000:03:20.0")).isNull();
    assertThat(Bdf.tryParse("0000:03:01.8")).isNull();
    assertThat(Bdf.tryParse("0000:3:01.0")).isNull();
    assertThat(Bdf.tryParse("000g:03:01.0")).isNull();
    assertThatThrownBy(() -> Bdf.parse("0000:3:01.0"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"0000:3:01.0\"");
    assertThat(Bdf.of(0, 3, 1, 0)).isEqualTo(Bdf.parse("0000:03:01.0"));
    assertThatThrownBy(() -> Bdf.of(0, 0, 0x20, 0)).hasMessageContaining("device out of range");
    assertThatThrownBy(() -> Bdf.of(0, 0, 0, 8)).hasMessageContaining("function out of range");
  }
}
