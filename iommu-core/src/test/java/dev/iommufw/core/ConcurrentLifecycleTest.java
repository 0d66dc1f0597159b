package dev.iommufw.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iommufw.core.testing.StandInDriver;
import dev.iommufw.core.testing.Tries;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Probe, configure, release, unregistration and registration racing on real threads
 * (kernel-model.md §4 invariant 7, §5.4, §5.7.1: release and unregistration must be serialised with
 * probes of the same device). Four threads run random operations on a shared system; no thread may
 * see an unexpected exception, and the end state must be one a serial order could produce: every
 * bound device bound to a registered instance with exactly its described IDs, and nothing leaked.
 */
class ConcurrentLifecycleTest {
  private static final int THREADS = 4;

  /** 2 500 operations per thread, times the {@code -Diommufw.tries} multiplier. */
  private static final int OPS_PER_THREAD = Tries.scaled(2500);

  private final IommuCore core = new IommuCore();
  private final StandInDriver driver = StandInDriver.create("smmu");
  private final FwNode[] nodes = {FwNode.create("/smmu@0"), FwNode.create("/smmu@1")};
  private final IommuInstance[] instances = {
    driver.newInstance("I0", nodes[0]), driver.newInstance("I1", nodes[1])
  };
  private final List<Device> devices = new ArrayList<>();

  private static int[] describedIds(int k) {
    return new int[] {0x100 * k, 0x100 * k + 1, 0x100 * k + 2};
  }

  @Test
  void randomConcurrentOperationsEndInASerialisableState() throws Exception {
    driver.setPriv = true;
    driver.busyIfPrivSet = true; // stale priv left by a racing release would show as EBUSY
    for (int k = 0; k < 6; k++) {
      Device d = TestGlue.device("d" + k, TestGlue.Entry.of(nodes[k % 2], describedIds(k)));
      core.addDevice(d);
      devices.add(d);
    }
    List<String> problems = Collections.synchronizedList(new ArrayList<>());
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    CyclicBarrier start = new CyclicBarrier(THREADS);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      long seed = 1000L + t;
      futures.add(
          pool.submit(
              () -> {
                start.await();
                Random random = new Random(seed);
                for (int i = 0; i < OPS_PER_THREAD; i++) {
                  operate(random, problems);
                }
                return null;
              }));
    }
    for (Future<?> f : futures) {
      f.get(120, TimeUnit.SECONDS); // a deadlock guard, not a timing assertion
    }
    pool.shutdown();
    assertThat(problems).isEmpty();

    // The state at rest: bindings consistent, nothing leaked.
    long bound = 0;
    for (int k = 0; k < devices.size(); k++) {
      Device d = devices.get(k);
      IommuBinding b = d.iommuBinding().orElse(null);
      if (b == null) {
        continue;
      }
      bound++;
      assertThat(b.instance()).isSameAs(instances[k % 2]);
      assertThat(b.instance().isRegisteredIn(core)).isTrue();
      assertThat(b.ids().toArray()).containsExactly(describedIds(k));
      assertThat(b.group().members()).containsExactly(d);
    }
    assertThat(core.fwspecsAllocated() - core.fwspecsFreed()).isEqualTo(bound);

    // Everything registered, every device configured again: each ends as the firmware says.
    for (IommuInstance i : instances) {
      if (!i.isRegisteredIn(core)) {
        core.registerInstance(i);
      }
    }
    for (int k = 0; k < devices.size(); k++) {
      Device d = devices.get(k);
      assertThat(core.dmaConfigure(d)).isInstanceOf(DmaConfigureResult.Configured.class);
      assertThat(d.iommuBinding().orElseThrow().ids().toArray()).containsExactly(describedIds(k));
    }
    assertThat(core.waitingDevices()).isEmpty();

    // Tear down: nothing may be left.
    for (IommuInstance i : instances) {
      core.unregisterInstance(i);
    }
    for (Device d : devices) {
      assertThat(d.isIommuMapped()).isFalse();
    }
    assertThat(core.fwspecsFreed()).isEqualTo(core.fwspecsAllocated());
    System.out.printf(
        "ConcurrentLifecycleTest: %d threads x %d operations, %d fwspecs allocated and freed%n",
        THREADS, OPS_PER_THREAD, core.fwspecsAllocated());
  }

  private void operate(Random random, List<String> problems) {
    Device d = devices.get(random.nextInt(devices.size()));
    IommuInstance instance = instances[random.nextInt(2)];
    int op = random.nextInt(100);
    try {
      if (op < 40) {
        DmaConfigureResult r = core.dmaConfigure(d);
        // NoIommu is legitimate: the instance was unregistered between look-up and probe, the
        // same end state as "configured, then released by the unregistration".
        if (r instanceof DmaConfigureResult.Failed) {
          problems.add("configure of " + d + " gave " + r);
        }
      } else if (op < 55) {
        core.releaseDevice(d);
      } else if (op < 65) {
        ProbeResult r = core.probeDevice(d);
        if (r instanceof ProbeResult.Failed) {
          problems.add("probe of " + d + " gave " + r);
        }
      } else if (op < 85) {
        synchronized (instance) { // register/unregister of one instance: one thread at a time
          if (!instance.isRegisteredIn(core)) {
            core.registerInstance(instance);
          }
        }
      } else {
        synchronized (instance) {
          if (instance.isRegisteredIn(core)) {
            core.unregisterInstance(instance);
          }
        }
      }
    } catch (IommuException | RuntimeException e) {
      problems.add(e.toString());
    }
    // Lock-free readers only ever see a whole binding (§4 invariant 4).
    IommuBinding b = d.iommuBinding().orElse(null);
    if (b != null && b.ids().length() != 3) {
      problems.add("partial binding seen: " + b);
    }
  }
}
