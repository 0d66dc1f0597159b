package dev.iommufw.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.iommufw.core.pci.Bdf;
import dev.iommufw.core.pci.PciDev;
import dev.iommufw.core.pci.PciDmaAlias;
import dev.iommufw.core.pci.PciTopology;
import dev.iommufw.core.pci.PciType;
import dev.iommufw.core.testing.Tries;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The alias walk against a small independent model, over generated topologies. */
class PciDmaAliasProperties {
  /**
   * The model: the path from the device up to its root bus as a list, then one table look-up per
   * bridge (of-binding.md §5), written without the production walk's structure.
   */
  static List<Integer> model(PciTopology t, PciDev dev, boolean quirks) {
    List<PciDev> path = new ArrayList<>();
    PciDev cur = dev;
    while (cur.parent() != null && !t.isRootBus(0, cur.bdf().bus())) {
      cur =
          java.util.Objects.requireNonNull(
              t.function(java.util.Objects.requireNonNull(cur.parent())));
      path.add(cur);
    }
    List<Integer> out = new ArrayList<>();
    out.add(dev.bdf().requesterId());
    if (quirks) {
      for (int devfn : dev.quirkAliasDevfns().toArray()) {
        out.add(dev.bdf().bus() << 8 | devfn);
      }
    }
    for (PciDev b : path) {
      if (quirks && b.translationRoot()) {
        break;
      }
      String rule;
      if (!b.pcie()) {
        rule = quirks && b.pcieBridgeAlias() ? "secondary" : "own";
      } else if (b.type() == PciType.PCIE_TO_PCI_BRIDGE) {
        rule = "secondary";
      } else if (b.type() == PciType.PCI_TO_PCIE_BRIDGE) {
        rule = "own";
      } else {
        rule = "none";
      }
      if (rule.equals("secondary")) {
        out.add(b.secondary() * 256);
      } else if (rule.equals("own")) {
        out.add(b.bdf().bus() * 256 + b.bdf().devfn());
      }
    }
    return out;
  }

  @Test
  void aliasesMatchTheModel() {
    qt().withExamples(Tries.scaled(300))
        .forAll(longs().all())
        .checkAssert(
            seed -> {
              PciTopology t = RandomTopologies.generate(seed, 24);
              for (PciDev d : t.functions()) {
                for (boolean quirks : new boolean[] {true, false}) {
                  List<Integer> walked =
                      t.dmaAliases(d, quirks).stream().map(PciDmaAlias::requesterId).toList();
                  assertThat(walked)
                      .as("%s quirks=%s", d.bdf(), quirks)
                      .isEqualTo(model(t, d, quirks));
                }
                assertThat(t.pciFunction(d).dmaAliases().asList())
                    .isEqualTo(t.dmaAliases(d).stream().map(PciDmaAlias::requesterId).toList());
              }
            });
  }

  @Test
  void carriersAreTheDeviceOrABridgeAboveIt() {
    qt().withExamples(Tries.scaled(200))
        .forAll(longs().all())
        .checkAssert(
            seed -> {
              PciTopology t = RandomTopologies.generate(seed, 24);
              for (PciDev d : t.functions()) {
                List<Bdf> above = new ArrayList<>();
                above.add(d.bdf());
                for (PciDev b = t.upstreamBridge(d); b != null; b = t.upstreamBridge(b)) {
                  above.add(b.bdf());
                }
                for (PciDmaAlias a : t.dmaAliases(d)) {
                  assertThat(above).contains(a.carrier().bdf());
                }
              }
            });
  }
}
