package dev.iommufw.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.primitives.ImmutableIntArray;
import dev.iommufw.core.pci.Bdf;
import dev.iommufw.core.pci.PciDev;
import dev.iommufw.core.pci.PciDmaAlias;
import dev.iommufw.core.pci.PciFunction;
import dev.iommufw.core.pci.PciTopology;
import dev.iommufw.core.pci.PciType;
import org.junit.jupiter.api.Test;

/**
 * Tests written against the mutants PIT found surviving (issue 12): mostly the range checks at the
 * boundary of the PCI value types, each probed on both sides of its limit.
 */
class MutationKillersTest {

  private static void rejects(java.util.concurrent.Callable<?> r) {
    assertThatThrownBy(r::call).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void bdfAcceptsExactlyItsRanges() {
    assertThat(new Bdf(0xffff, 0xff, 0xff)).isEqualTo(new Bdf(0xffff, 0xff, 0xff));
    assertThat(new Bdf(0, 0, 0).devfn()).isZero();
    rejects(() -> new Bdf(-1, 0, 0));
    rejects(() -> new Bdf(0x10000, 0, 0));
    rejects(() -> new Bdf(0, -1, 0));
    rejects(() -> new Bdf(0, 0x100, 0));
    rejects(() -> new Bdf(0, 0, -1));
    rejects(() -> new Bdf(0, 0, 0x100));
  }

  @Test
  void bdfFromRequesterId() {
    assertThat(Bdf.ofRequesterId(3, 0xffff)).isEqualTo(new Bdf(3, 0xff, 0xff));
    assertThat(Bdf.ofRequesterId(3, 0)).isEqualTo(new Bdf(3, 0, 0));
    assertThat(Bdf.ofRequesterId(0, 0x1234)).isEqualTo(new Bdf(0, 0x12, 0x34));
    rejects(() -> Bdf.ofRequesterId(0, -1));
    rejects(() -> Bdf.ofRequesterId(0, 0x10000));
  }

  @Test
  void bdfParseLimits() {
    assertThat(Bdf.parse("0000:00:1f.7")).isEqualTo(new Bdf(0, 0, 0x1f << 3 | 7));
    assertThat(Bdf.parse("ffff:ff:00.0")).isEqualTo(new Bdf(0xffff, 0xff, 0));
    assertThat(Bdf.tryParse("0000:00:20.0")).isNull();
    assertThat(Bdf.tryParse("0000:00:00.8")).isNull();
  }

  @Test
  void pciFunctionRanges() {
    PciFunction max =
        new PciFunction(Bdf.ofRequesterId(0xffff, 0xffff), ImmutableIntArray.of(0xffff, 0));
    assertThat(max.bus()).isEqualTo(0xff);
    assertThat(max.devfn()).isEqualTo(0xff);
    rejects(() -> new PciFunction(Bdf.ofRequesterId(-1, 0), ImmutableIntArray.of(0)));
    rejects(() -> new PciFunction(Bdf.ofRequesterId(0x10000, 0), ImmutableIntArray.of(0)));
    rejects(() -> new PciFunction(Bdf.ofRequesterId(0, -1), ImmutableIntArray.of(0)));
    rejects(() -> new PciFunction(Bdf.ofRequesterId(0, 0x10000), ImmutableIntArray.of(0)));
    rejects(() -> new PciFunction(Bdf.ofRequesterId(0, 0), ImmutableIntArray.of()));
    rejects(() -> new PciFunction(Bdf.ofRequesterId(0, 0), ImmutableIntArray.of(-1)));
    rejects(() -> new PciFunction(Bdf.ofRequesterId(0, 0), ImmutableIntArray.of(0x10000)));
  }

  @Test
  void pciFunctionOf() {
    PciFunction f = PciFunction.of(new Bdf(2, 0x12, 0x34));
    assertThat(f.requesterId()).isEqualTo(0x1234);
    assertThat(f.bus()).isEqualTo(0x12);
    assertThat(f.devfn()).isEqualTo(0x34);
    assertThat(f.dmaAliases().asList()).containsExactly(0x1234);
    assertThat(PciFunction.of(new Bdf(0, 0xff, 0xff)).requesterId()).isEqualTo(0xffff);
    assertThat(PciFunction.of(new Bdf(0, 0, 0)).requesterId()).isZero();
    rejects(() -> PciFunction.of(new Bdf(0, -1, 0)));
    rejects(() -> PciFunction.of(new Bdf(0, 0x100, 0)));
    rejects(() -> PciFunction.of(new Bdf(0, 0, -1)));
    rejects(() -> PciFunction.of(new Bdf(0, 0, 0x100)));
  }

  private static PciDev.Builder endpoint() {
    return PciDev.builder(new Bdf(0, 1, 0), PciType.ENDPOINT);
  }

  private static PciDev.Builder bridge() {
    return PciDev.builder(new Bdf(0, 0, 8), PciType.PCI_BRIDGE);
  }

  @Test
  void pciDevIdRanges() {
    assertThat(endpoint().id(0xffff, 0xffff).classCode(0xffffff).build().vendorId())
        .isEqualTo(0xffff);
    assertThat(endpoint().id(0, 0).classCode(0).build().deviceId()).isZero();
    rejects(() -> endpoint().id(0x10000, 0).build());
    rejects(() -> endpoint().id(-1, 0).build());
    rejects(() -> endpoint().id(0, 0x10000).build());
    rejects(() -> endpoint().id(0, -1).build());
    rejects(() -> endpoint().classCode(0x1000000).build());
    rejects(() -> endpoint().classCode(-1).build());
  }

  @Test
  void pciDevBusWindows() {
    assertThat(bridge().window(0, 0xff).build().subordinate()).isEqualTo(0xff);
    assertThat(bridge().window(5, 5).build().secondary()).isEqualTo(5);
    rejects(() -> bridge().window(5, 4).build());
    rejects(() -> bridge().window(-1, 4).build());
    rejects(() -> bridge().window(0, 0x100).build());
    rejects(() -> bridge().window(0x100, 0x100).build());
    rejects(() -> bridge().build()); // a bridge needs a window
    rejects(() -> endpoint().window(1, 1).build());
    assertThat(endpoint().build().secondary()).isEqualTo(-1);
  }

  @Test
  void pciDevParentAndQuirks() {
    assertThat(endpoint().parent(new Bdf(0, 0, 8)).build().parent()).isEqualTo(new Bdf(0, 0, 8));
    rejects(() -> endpoint().parent(new Bdf(1, 0, 8)).build());
    assertThat(endpoint().quirkAliasDevfns(0, 1, 0xff).build().quirkAliasDevfns().asList())
        .containsExactly(0, 1, 0xff);
    // the builder sorts and deduplicates; the record itself insists on ascending devfns
    assertThat(endpoint().quirkAliasDevfns(2, 1, 2).build().quirkAliasDevfns().asList())
        .containsExactly(1, 2);
    PciDev d = endpoint().build();
    rejects(() -> d.toBuilder().quirkAliasDevfns(0x100).build());
    rejects(() -> d.toBuilder().quirkAliasDevfns(-1).build());
    rejects(
        () ->
            new PciDev(
                d.bdf(),
                0,
                0,
                0,
                PciType.ENDPOINT,
                false,
                false,
                false,
                null,
                -1,
                -1,
                com.google.common.primitives.ImmutableIntArray.of(2, 1),
                false,
                false));
    rejects(
        () ->
            new PciDev(
                d.bdf(),
                0,
                0,
                0,
                PciType.ENDPOINT,
                false,
                false,
                false,
                null,
                -1,
                -1,
                com.google.common.primitives.ImmutableIntArray.of(1, 1),
                false,
                false));
  }

  @Test
  void pciToPciBridgeClass() {
    assertThat(endpoint().classCode(0x060400).build().isPciToPciBridgeClass()).isTrue();
    assertThat(endpoint().classCode(0x060401).build().isPciToPciBridgeClass()).isTrue();
    assertThat(endpoint().classCode(0x060000).build().isPciToPciBridgeClass()).isFalse();
    assertThat(endpoint().classCode(0x000604).build().isPciToPciBridgeClass()).isFalse();
  }

  @Test
  void pciDmaAliasRange() {
    PciDev d = endpoint().build();
    assertThat(new PciDmaAlias(0xffff, d).requesterId()).isEqualTo(0xffff);
    assertThat(new PciDmaAlias(0, d).requesterId()).isZero();
    rejects(() -> new PciDmaAlias(-1, d));
    rejects(() -> new PciDmaAlias(0x10000, d));
  }

  @Test
  void pciTypeJsonNamesRoundTrip() {
    for (PciType t : PciType.values()) {
      assertThat(t.jsonName()).isNotEmpty();
      assertThat(PciType.fromJsonName(t.jsonName())).isSameAs(t);
    }
    assertThat(PciType.fromJsonName("no-such-type")).isNull();
  }

  @Test
  void topologyRootBusesAndWindows() {
    PciDev br = PciDev.builder(new Bdf(1, 0, 8), PciType.PCI_BRIDGE).window(2, 4).build();
    PciDev first = PciDev.builder(new Bdf(1, 2, 0), PciType.ENDPOINT).parent(br.bdf()).build();
    PciDev last = PciDev.builder(new Bdf(1, 4, 0), PciType.ENDPOINT).parent(br.bdf()).build();
    PciTopology t =
        PciTopology.builder()
            .rootBus(1, 0)
            .rootBus(0xffff, 0xff)
            .add(br)
            .add(first)
            .add(last)
            .build();
    assertThat(t.isRootBus(1, 0)).isTrue();
    assertThat(t.isRootBus(0, 0)).isFalse();
    assertThat(t.isRootBus(1, 1)).isFalse();
    assertThat(t.isRootBus(0xffff, 0xff)).isTrue();
    assertThat(t.isRootBus(0, 1)).isFalse(); // segment and bus are not confused
    assertThat(t.upstreamBridge(first)).isSameAs(br);
    assertThat(t.upstreamBridge(br)).isNull();
    rejects(() -> PciTopology.builder().rootBus(-1, 0));
    rejects(() -> PciTopology.builder().rootBus(0x10000, 0));
    rejects(() -> PciTopology.builder().rootBus(0, -1));
    rejects(() -> PciTopology.builder().rootBus(0, 0x100));
    PciDev outside = PciDev.builder(new Bdf(1, 5, 0), PciType.ENDPOINT).parent(br.bdf()).build();
    rejects(() -> PciTopology.builder().rootBus(1, 0).add(br).add(outside).build());
    PciDev below = PciDev.builder(new Bdf(1, 1, 0), PciType.ENDPOINT).parent(br.bdf()).build();
    rejects(() -> PciTopology.builder().rootBus(1, 0).add(br).add(below).build());
  }

  @Test
  void topologySlotsAndMembership() {
    PciTopology.Builder b = PciTopology.builder().rootBus(0, 0);
    PciDev f0 = null;
    for (int fn = 0; fn < 8; fn++) {
      PciDev f =
          PciDev.builder(new Bdf(0, 0, 3 << 3 | fn), PciType.ENDPOINT).multifunction(true).build();
      b.add(f);
      if (fn == 0) {
        f0 = f;
      }
    }
    PciDev other = PciDev.builder(new Bdf(0, 0, 4 << 3), PciType.ENDPOINT).build();
    b.add(other);
    PciTopology t = b.build();
    assertThat(f0).isNotNull();
    PciDev first = java.util.Objects.requireNonNull(f0);
    assertThat(t.slot(first)).hasSize(8);
    assertThat(t.slot(other)).containsExactly(other);
    PciDev stranger = PciDev.builder(new Bdf(0, 0, 5 << 3), PciType.ENDPOINT).build();
    rejects(() -> t.slot(stranger));
    rejects(() -> t.isolatedPath(stranger));
    rejects(() -> t.dmaAliases(stranger));
  }
}
