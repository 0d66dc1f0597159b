package dev.iommufw.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The deferral index on its own (the core calls it under its registry lock; a single-threaded test
 * needs no lock): which devices a registration selects and what a policy change flushes.
 */
class DeferralIndexTest {
  private final DeferralIndex index = new DeferralIndex(DeferralPolicy.BOOTING);
  private final FwNode smmu = FwNode.create("/smmu@9050000");
  private final FwNode other = FwNode.create("/smmu@a000000");

  private static Device device(String name) {
    return Device.builder(name, BusKind.PLATFORM).build();
  }

  @Test
  void takingANodeSelectsExactlyItsWaitersInDeferralOrderAndLeavesTheRestWaiting() {
    Device second = device("second");
    Device first = device("first");
    Device elsewhere = device("elsewhere");
    index.add(first, smmu);
    index.add(elsewhere, other);
    index.add(second, smmu);

    assertThat(index.takeWaitingFor(smmu)).containsExactly(first, second);

    assertThat(index.snapshot()).containsExactly(elsewhere);
    assertThat(first.waitingFor).isNull();
    assertThat(second.waitingFor).isNull();
    assertThat(index.takeWaitingFor(smmu)).isEmpty(); // taken once, not twice
  }

  @Test
  void leavingBootingFlushesEveryWaiterAndBootingAgainFlushesNobody() {
    Device a = device("a");
    Device b = device("b");
    index.add(a, smmu);
    index.add(b, other);

    assertThat(index.setPolicy(DeferralPolicy.BOOTING)).isEmpty();
    assertThat(index.snapshot()).containsExactlyInAnyOrder(a, b);

    assertThat(index.setPolicy(DeferralPolicy.TIMEOUT_EXPIRED)).containsExactlyInAnyOrder(a, b);
    assertThat(index.policy()).isEqualTo(DeferralPolicy.TIMEOUT_EXPIRED);
    assertThat(index.snapshot()).isEmpty();
    assertThat(a.waitingFor).isNull();
    assertThat(b.waitingFor).isNull();
  }
}
