package dev.iommufw.acpi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import com.google.common.primitives.ImmutableIntArray;
import dev.iommufw.acpi.IortBuilder.Mapping;
import dev.iommufw.core.Device;
import dev.iommufw.core.DmaConfigureResult;
import dev.iommufw.core.FwNode;
import dev.iommufw.core.IommuCore;
import dev.iommufw.core.IommuException;
import dev.iommufw.core.IommuFwspec;
import dev.iommufw.core.pci.Bdf;
import dev.iommufw.core.pci.PciFunction;
import dev.iommufw.core.testing.StandInDriver;
import dev.iommufw.core.testing.Tries;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * Property: for generated IORTs (a root complex whose RID ranges go to two SMMUv3s or straight to
 * the ITS) and generated PCI functions (one or two DMA aliases), {@link AcpiIommu#configure} binds
 * the function exactly when {@link Iort#mapId} reaches an SMMU for every alias, with the walk's IDs
 * in alias order on the first SMMU reached; it defers on the first unregistered SMMU an alias
 * reaches, and otherwise reports no IOMMU. Nothing leaks.
 */
class AcpiIommuProperties {
  private static final int ITS = 0;
  private static final int SMMU_A = 1;
  private static final int SMMU_B = 2;

  /** A generated table and which of its SMMUs have registered. */
  private static final class Generated {
    final byte[] table;
    final boolean registerA;
    final boolean registerB;

    Generated(byte[] table, boolean registerA, boolean registerB) {
      this.table = table;
      this.registerA = registerA;
      this.registerB = registerB;
    }
  }

  private static Generated generate(long seed) {
    Random r = new Random(seed);
    long[] msi = {0, 0, 0, 0};
    IortBuilder b = new IortBuilder();
    b.addItsGroup(0, List.of(0L));
    b.addSmmuV3(4, 0x0905_0000L, 0, msi, 0, List.of(Mapping.to(0, 0xffff, 0, ITS)));
    b.addSmmuV3(4, 0x0906_0000L, 0, msi, 0, List.of(Mapping.to(0, 0xffff, 0, ITS)));
    List<Mapping> maps = new ArrayList<>();
    int[] targets = {ITS, SMMU_A, SMMU_A, SMMU_B, SMMU_B};
    for (int k = 2 + r.nextInt(5); k > 0; k--) {
      int target = targets[r.nextInt(targets.length)];
      long outBase = r.nextInt(6) == 0 ? 0xffff_ff00L + r.nextInt(0x100) : r.nextInt(0x10000);
      if (r.nextInt(12) == 0) {
        maps.add(Mapping.single(outBase, target));
      } else {
        long count = r.nextInt(4) == 0 ? 0 : r.nextInt(0x20);
        maps.add(Mapping.to(r.nextInt(0x40), count, outBase, target));
      }
    }
    if (r.nextInt(4) == 0) {
      b.addRootComplex(3, 1, 1, List.of(Mapping.to(0, 0xffff, 0, SMMU_B))); // other segment
    }
    b.addRootComplex(3, 0, r.nextInt(4), maps);
    if (r.nextBoolean()) {
      b.addRootComplex(3, 0, 1, List.of(Mapping.to(0, 0xffff, 0x5000, SMMU_B))); // shadowed
    }
    return new Generated(b.build(), r.nextInt(5) != 0, r.nextInt(5) != 0);
  }

  @Test
  void configureBindsExactlyWhenTheWalkReachesAnSmmu() {
    qt().withExamples(Tries.scaled(1000))
        .forAll(longs().all(), integers().between(0, 0x5f), integers().between(-0x60, 0x5f))
        .checkAssert(AcpiIommuProperties::check);
  }

  /** {@code secondAlias} negative: the function has only its own RID (half the cases). */
  private static void check(long seed, int rid, int secondAlias) {
    Generated g = generate(seed);
    Iort iort;
    try {
      iort = Iort.parse(g.table);
    } catch (AcpiTableException e) {
      throw new AssertionError("builder output must parse", e);
    }
    AcpiIommu acpi = AcpiIommu.of(iort, null);
    IommuCore core = new IommuCore();
    StandInDriver driver = StandInDriver.withoutOfXlate("arm-smmu-v3");
    try {
      if (g.registerA) {
        core.registerInstance(driver.newInstance(acpi.iortFwNode(iort.nodes().get(SMMU_A))));
      }
      if (g.registerB) {
        core.registerInstance(driver.newInstance(acpi.iortFwNode(iort.nodes().get(SMMU_B))));
      }
    } catch (IommuException e) {
      throw new AssertionError(e);
    }
    ImmutableIntArray aliases =
        secondAlias < 0 ? ImmutableIntArray.of(rid) : ImmutableIntArray.of(rid, secondAlias);
    Device dev = acpi.pciDevice(new PciFunction(Bdf.ofRequesterId(0, rid), aliases));
    core.addDevice(dev);

    DmaConfigureResult actual = acpi.configure(core, dev, null, null);

    // The expectation, from Iort.mapId alone, alias by alias.
    IortNode.RootComplex rc = Objects.requireNonNull(iort.findRootComplex(0));
    List<Integer> ids = new ArrayList<>();
    @Nullable FwNode first = null;
    @Nullable FwNode waitFor = null;
    boolean reachedAll = true;
    for (int alias : aliases.toArray()) {
      IortWalkResult walk = iort.mapId(rc, alias, IortTarget.IOMMU);
      if (!(walk instanceof IortWalkResult.Reached reached)) {
        reachedAll = false;
        break;
      }
      FwNode node = acpi.iortFwNode(reached.node());
      if (!core.isRegistered(node)) {
        waitFor = node;
        break;
      }
      if (first == null) {
        first = node;
      }
      ids.add((int) reached.id());
    }

    String where = "seed " + seed + ", aliases " + aliases;
    if (!reachedAll) {
      assertThat(actual).as(where).isInstanceOf(DmaConfigureResult.NoIommu.class);
      assertThat(dev.isIommuMapped()).as(where).isFalse();
    } else if (waitFor != null) {
      assertThat(actual).as(where).isInstanceOf(DmaConfigureResult.Deferred.class);
      assertThat(((DmaConfigureResult.Deferred) actual).waitingFor()).as(where).isSameAs(waitFor);
      assertThat(dev.isIommuMapped()).as(where).isFalse();
    } else {
      assertThat(actual).as(where).isInstanceOf(DmaConfigureResult.Configured.class);
      var binding = ((DmaConfigureResult.Configured) actual).binding();
      assertThat(binding.instance().fwNode()).as(where).isSameAs(first);
      assertThat(binding.ids().asList()).as(where).containsExactlyElementsOf(ids);
      assertThat(binding.flags()).as(where).isEqualTo(rc.ats() ? IommuFwspec.FLAG_PCI_RC_ATS : 0);
      assertThat(dev.iommuBinding()).as(where).contains(binding);
    }
    long bound = dev.isIommuMapped() ? 1 : 0;
    assertThat(core.fwspecsAllocated() - core.fwspecsFreed()).as(where).isEqualTo(bound);
  }
}
