package dev.iommufw.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The fwspec's own contract: allocation, appending, flags, freeing and misuse (§2.1–§2.7, §4). */
class IommuFwspecTest {
  private final Fixture fx = Fixture.registered();
  private final IommuCore core = fx.core;

  @Test
  void allocReturnsEmptyBuildingFwspecOwnedByCaller() {
    long before = core.fwspecsAllocated();
    IommuFwspec fwspec = core.allocFwspec();
    assertThat(fwspec.state()).isEqualTo(FwspecState.BUILDING);
    assertThat(fwspec.core()).isSameAs(core);
    assertThat(fwspec.ops()).isNull();
    assertThat(fwspec.iommuFwNode()).isNull();
    assertThat(fwspec.flags()).isZero();
    assertThat(fwspec.numIds()).isZero();
    assertThat(fwspec.ids().toArray()).isEmpty();
    assertThat(core.fwspecsAllocated()).isEqualTo(before + 1);
    assertThat(core.allocFwspec()).isNotSameAs(fwspec);
    fwspec.dealloc();
  }

  @Test
  void appendKeepsEarlierIdsInOrder_defectD1() {
    IommuFwspec fwspec = core.allocFwspec();
    fwspec.appendIds(0x10);
    fwspec.appendIds(0x20); // growing past one ID: the posted patch lost 0x10 and read zeroes
    fwspec.appendIds(0x30, 0x40, 0x50);
    assertThat(fwspec.ids().toArray()).containsExactly(0x10, 0x20, 0x30, 0x40, 0x50);
    assertThat(fwspec.numIds()).isEqualTo(5);
    assertThat(fwspec.id(0)).isEqualTo(0x10);
    assertThat(fwspec.id(4)).isEqualTo(0x50);
    fwspec.dealloc();
  }

  @Test
  void zeroLengthAppendChangesNothing() {
    IommuFwspec fwspec = core.allocFwspec();
    fwspec.appendIds();
    assertThat(fwspec.numIds()).isZero();
    fwspec.appendIds(7);
    fwspec.appendIds(new int[0]);
    assertThat(fwspec.ids().toArray()).containsExactly(7);
    fwspec.dealloc();
  }

  @Test
  void growsOneAtATimePast1_2_4_100Ids() {
    IommuFwspec fwspec = core.allocFwspec();
    List<Integer> expected = new ArrayList<>();
    for (int i = 0; i < 130; i++) {
      int id = 0x1000 + i * 3;
      fwspec.appendIds(id);
      expected.add(id);
      if (i == 0 || i == 1 || i == 2 || i == 3 || i == 4 || i == 99 || i == 100 || i == 129) {
        assertThat(fwspec.ids().toArray())
            .as("after %d IDs", i + 1)
            .containsExactly(toArray(expected));
      }
    }
    for (int i = 0; i < expected.size(); i++) {
      assertThat(fwspec.id(i)).isEqualTo(expected.get(i));
    }
    fwspec.dealloc();
  }

  @Test
  void growsInChunksOfEverySize() {
    IommuFwspec fwspec = core.allocFwspec();
    List<Integer> expected = new ArrayList<>();
    int next = 0;
    for (int chunk = 0; chunk <= 9; chunk++) {
      int[] ids = new int[chunk];
      for (int i = 0; i < chunk; i++) {
        ids[i] = next;
        expected.add(next++);
      }
      fwspec.appendIds(ids);
      assertThat(fwspec.ids().toArray()).containsExactly(toArray(expected));
    }
    fwspec.dealloc();
  }

  @Test
  void duplicatesAndFullU32ValuesAreKept() {
    IommuFwspec fwspec = core.allocFwspec();
    fwspec.appendIds(5, 5, 0xffffffff, 0x80000000, 0, 5);
    assertThat(fwspec.ids().toArray()).containsExactly(5, 5, 0xffffffff, 0x80000000, 0, 5);
    fwspec.dealloc();
  }

  @Test
  void idsIsACopyAndAppendDoesNotAliasCallerArray() {
    IommuFwspec fwspec = core.allocFwspec();
    int[] input = {1, 2, 3};
    fwspec.appendIds(input);
    input[0] = 99;
    int[] out = fwspec.ids().toArray();
    out[1] = 42;
    assertThat(fwspec.ids().toArray()).containsExactly(1, 2, 3);
    fwspec.dealloc();
  }

  @Test
  void idIndexOutOfRangeThrows() {
    IommuFwspec fwspec = core.allocFwspec();
    fwspec.appendIds(1, 2);
    assertThatThrownBy(() -> fwspec.id(2)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> fwspec.id(-1)).isInstanceOf(IndexOutOfBoundsException.class);
    fwspec.dealloc();
  }

  @Test
  void flagsAccumulate() {
    IommuFwspec fwspec = core.allocFwspec();
    assertThat(fwspec.hasFlag(IommuFwspec.FLAG_PCI_RC_ATS)).isFalse();
    fwspec.addFlags(IommuFwspec.FLAG_PCI_RC_ATS);
    assertThat(fwspec.hasFlag(IommuFwspec.FLAG_PCI_RC_ATS)).isTrue();
    assertThat(fwspec.hasFlag(IommuFwspec.FLAG_PCI_RC_CANWBS)).isFalse();
    fwspec.addFlags(IommuFwspec.FLAG_PCI_RC_CANWBS);
    assertThat(fwspec.flags()).isEqualTo(0b11);
    assertThat(IommuFwspec.FLAG_PCI_RC_ATS).isEqualTo(1);
    assertThat(IommuFwspec.FLAG_PCI_RC_CANWBS).isEqualTo(2);
    fwspec.dealloc();
  }

  @Test
  void deallocFreesAndCounts() throws IommuException {
    Device dev = fx.addDevice("dev");
    IommuFwspec fwspec = fx.build(dev, 1, 2, 3);
    assertThat(fwspec.ops()).isSameAs(fx.driver);
    assertThat(fwspec.iommuFwNode()).isSameAs(fx.node);
    long freed = core.fwspecsFreed();
    fwspec.dealloc();
    assertThat(fwspec.state()).isEqualTo(FwspecState.FREED);
    assertThat(core.fwspecsFreed()).isEqualTo(freed + 1);
    assertThat(fx.live()).isZero();
  }

  @Test
  void deallocTwiceThrows() {
    IommuFwspec fwspec = core.allocFwspec();
    fwspec.dealloc();
    long freed = core.fwspecsFreed();
    assertThatThrownBy(fwspec::dealloc).isInstanceOf(IllegalStateException.class);
    assertThat(core.fwspecsFreed()).isEqualTo(freed);
  }

  @Test
  void closeFreesABuildingFwspecOnce() {
    IommuFwspec fwspec;
    try (IommuFwspec f = core.allocFwspec()) {
      f.appendIds(1);
      fwspec = f;
    }
    assertThat(fwspec.state()).isEqualTo(FwspecState.FREED);
    long freed = core.fwspecsFreed();
    fwspec.close(); // closing again is a no-op, not a double free
    assertThat(core.fwspecsFreed()).isEqualTo(freed);
    assertThat(fx.live()).isZero();
  }

  @Test
  void closeAfterHandOffIsANoOp() throws IommuException {
    Device dev = fx.addDevice("dev");
    IommuFwspec handed;
    try (IommuFwspec fwspec = fx.build(dev, 0x10)) {
      assertThat(core.probeDevice(dev, fwspec)).isInstanceOf(ProbeResult.Bound.class);
      handed = fwspec;
    }
    assertThat(handed.state()).isEqualTo(FwspecState.INSTALLED);
    assertThat(handed.ids().toArray()).containsExactly(0x10); // installed fwspecs stay readable
    assertThat(fx.live()).isEqualTo(1);
  }

  @Test
  void closeAfterDiscardedHandOffIsANoOp() throws IommuException {
    Device dev = fx.addDevice("dev");
    core.probeDevice(dev, fx.build(dev, 1));
    IommuFwspec second;
    long freed;
    try (IommuFwspec fwspec = fx.build(dev, 2)) {
      assertThat(core.probeDevice(dev, fwspec)).isInstanceOf(ProbeResult.AlreadyBound.class);
      second = fwspec;
      freed = core.fwspecsFreed();
    }
    assertThat(second.state()).isEqualTo(FwspecState.FREED);
    assertThat(core.fwspecsFreed()).isEqualTo(freed);
  }

  @Test
  void installedFwspecIsImmutable() throws IommuException {
    Device dev = fx.addDevice("dev");
    IommuFwspec fwspec = fx.build(dev, 1);
    core.probeDevice(dev, fwspec);
    assertThatThrownBy(() -> fwspec.appendIds(2)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> fwspec.addFlags(IommuFwspec.FLAG_PCI_RC_ATS))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(fwspec::dealloc).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> core.fwspecAssignIommu(fwspec, dev, fx.node))
        .isInstanceOf(IllegalStateException.class);
    assertThat(fwspec.ids().toArray()).containsExactly(1);
    assertThat(fwspec.flags()).isZero();
    assertThat(dev.iommuBinding().orElseThrow().ids().asList()).containsExactly(1);
  }

  @Test
  void readingAFreedFwspecThrows() throws IommuException {
    Device dev = fx.addDevice("dev");
    IommuFwspec fwspec = fx.build(dev, 1, 2);
    fwspec.dealloc();
    assertThatThrownBy(fwspec::ids).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(fwspec::numIds).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> fwspec.id(0)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(fwspec::ops).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(fwspec::iommuFwNode).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(fwspec::flags).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> fwspec.hasFlag(1)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> fwspec.appendIds(3)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> fwspec.addFlags(1)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> core.fwspecAssignIommu(fwspec, dev, fx.node))
        .isInstanceOf(IllegalStateException.class);
    assertThat(fwspec.state()).isEqualTo(FwspecState.FREED);
    assertThat(fwspec.toString()).contains("FREED");
  }

  @Test
  void readingAFwspecFreedByTheCoreThrows() throws IommuException {
    Device dev = fx.addDevice("dev");
    IommuFwspec fwspec = fx.build(dev, 1);
    core.probeDevice(dev, fwspec);
    core.releaseDevice(dev);
    assertThat(fwspec.state()).isEqualTo(FwspecState.FREED);
    assertThatThrownBy(fwspec::ids).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void handingOffTwiceThrows() throws IommuException {
    Device dev = fx.addDevice("dev");
    Device other = fx.addDevice("other");
    IommuFwspec fwspec = fx.build(dev, 1);
    core.probeDevice(dev, fwspec);
    assertThatThrownBy(() -> core.probeDevice(dev, fwspec))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> core.probeDevice(other, fwspec))
        .isInstanceOf(IllegalStateException.class);
    assertThat(other.isIommuMapped()).isFalse();
    assertThat(fwspec.state()).isEqualTo(FwspecState.INSTALLED);
    assertThat(dev.iommuBinding().orElseThrow().ids().asList()).containsExactly(1);
    assertThat(fx.live()).isEqualTo(1);
  }

  @Test
  void handingOffAFreedFwspecThrows() throws IommuException {
    Device dev = fx.addDevice("dev");
    IommuFwspec fwspec = fx.build(dev, 1);
    fwspec.dealloc();
    long freed = core.fwspecsFreed();
    assertThatThrownBy(() -> core.probeDevice(dev, fwspec))
        .isInstanceOf(IllegalStateException.class);
    assertThat(core.fwspecsFreed()).isEqualTo(freed);
    assertThat(dev.isIommuMapped()).isFalse();
  }

  @Test
  void assignRecordsTheFirstIommuOnly() throws IommuException {
    Device dev = fx.addDevice("dev");
    FwNode second = FwNode.create("/smmu@2");
    IommuInstance secondInstance = fx.driver.newInstance("smmu1", second);
    core.registerInstance(secondInstance);
    IommuFwspec fwspec = fx.build(dev, fx.node, 1);
    core.fwspecAssignIommu(fwspec, dev, second);
    assertThat(fwspec.iommuFwNode()).isSameAs(fx.node);
    assertThat(fwspec.ops()).isSameAs(fx.driver);
    fwspec.dealloc();
  }

  @Test
  void assigningAFwspecOfAnotherCoreThrows() {
    IommuCore other = new IommuCore();
    Device dev = fx.addDevice("dev");
    IommuFwspec foreign = other.allocFwspec();
    assertThatThrownBy(() -> core.fwspecAssignIommu(foreign, dev, fx.node))
        .isInstanceOf(IllegalStateException.class);
    foreign.dealloc();
    assertThat(other.fwspecsFreed()).isEqualTo(other.fwspecsAllocated());
  }

  @Test
  void toStringShowsStateNodeIdsAndFlags() throws IommuException {
    Device dev = fx.addDevice("dev");
    IommuFwspec fwspec = fx.build(dev, 0x10, 0xab);
    fwspec.addFlags(IommuFwspec.FLAG_PCI_RC_ATS);
    assertThat(fwspec.toString())
        .contains("BUILDING")
        .contains("/smmu@9050000")
        .contains("0x10")
        .contains("0xab")
        .contains("flags=0x1");
    fwspec.dealloc();
  }

  private static int[] toArray(List<Integer> ids) {
    return ids.stream().mapToInt(Integer::intValue).toArray();
  }
}
