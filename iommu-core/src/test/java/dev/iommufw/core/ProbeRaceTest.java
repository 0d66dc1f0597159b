package dev.iommufw.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.primitives.ImmutableIntArray;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The original probe race R1 (kernel-model.md §5.1; its variant R2, §5.2) on real threads.
 *
 * <p>Each iteration starts two threads together: one runs client device D's firmware glue (build
 * D's fwspec from {@code iommus = <&S 0x10>, <&S 0x11>, <&S 0x12>, <&S 0x13>} and probe D, retrying
 * after a deferral), the other registers IOMMU instance S (whose registration then probes the
 * devices on the bus). Every iteration must end consistent: no exception on either thread, D bound
 * to S with exactly the described IDs, nothing leaked.
 *
 * <p>The same harness runs twice: against the redesigned {@link IommuCore} (must never fail) and
 * against {@link PreRedesignCore}, the racy pre-redesign design kept in test code (must fail at
 * least once within its budget, proving that the harness can see the race). The iteration count is
 * {@value #DEFAULT_ITERATIONS}; the system property {@code iommufw.raceIterations} raises it.
 */
class ProbeRaceTest {
  static final int DEFAULT_ITERATIONS = 2000;
  private static final int[] IDS = {0x10, 0x11, 0x12, 0x13};
  private static final long SEED = 0x5eed_1ace_0fL;

  /** Upper bound of the random start delay, in spin-wait steps. */
  private static final int MAX_SKEW = Integer.getInteger("iommufw.raceSkew", 1000);

  /** One iteration's system: what each thread does, and the check once both are done. */
  interface Subject {
    void glue() throws Exception;

    void register() throws Exception;

    /** Null when the end state is consistent, else what is wrong. */
    @Nullable String inconsistency();

    /** Which way a consistent iteration went (for the printed tally). */
    String path();
  }

  /** What a run of the harness saw. */
  record Outcome(
      int iterations,
      int failures,
      int firstFailure,
      @Nullable String firstWhat,
      long msToFirst,
      long ms,
      Map<String, Integer> tally) {}

  private static int iterations() {
    return Integer.getInteger("iommufw.raceIterations", DEFAULT_ITERATIONS);
  }

  static Outcome race(IntFunction<Subject> factory, int iterations, int maxSkew)
      throws InterruptedException {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    Random random = new Random(SEED);
    long start = System.nanoTime();
    int failures = 0;
    int first = -1;
    String firstWhat = null;
    long msToFirst = -1;
    Map<String, Integer> tally = new TreeMap<>();
    try {
      for (int i = 0; i < iterations; i++) {
        Subject s = factory.apply(i);
        CyclicBarrier barrier = new CyclicBarrier(2);
        AtomicInteger gate = new AtomicInteger();
        // Delay one of the two threads by a random number of spins, so that every interleaving
        // of "glue looks S up" and "S registers and walks the bus" comes up.
        int delay = random.nextInt(maxSkew);
        boolean delayGlue = random.nextBoolean();
        Future<?> glue =
            pool.submit(
                () -> {
                  startTogether(barrier, gate);
                  spin(delayGlue ? delay : 0);
                  s.glue();
                  return null;
                });
        Future<?> register =
            pool.submit(
                () -> {
                  startTogether(barrier, gate);
                  spin(delayGlue ? 0 : delay);
                  s.register();
                  return null;
                });
        String what = failureOf("glue thread", glue);
        String registerFailure = failureOf("registration thread", register);
        if (what == null) {
          what = registerFailure;
        }
        if (what == null) {
          what = s.inconsistency();
        }
        tally.merge(what == null ? "ok: " + s.path() : "FAIL: " + kind(what), 1, Integer::sum);
        if (what != null) {
          failures++;
          if (first < 0) {
            first = i;
            firstWhat = what;
            msToFirst = (System.nanoTime() - start) / 1_000_000;
          }
        }
      }
    } finally {
      pool.shutdownNow();
      pool.awaitTermination(10, TimeUnit.SECONDS);
    }
    return new Outcome(
        iterations,
        failures,
        first,
        firstWhat,
        msToFirst,
        (System.nanoTime() - start) / 1_000_000,
        tally);
  }

  /** A failure description without the per-iteration details, for the tally. */
  private static String kind(String what) {
    return what.replaceAll("\\[[^]]*\\]", "[..]");
  }

  private static @Nullable String failureOf(String who, Future<?> f) throws InterruptedException {
    try {
      // a generous guard so that a deadlock fails the test instead of hanging the build
      f.get(60, TimeUnit.SECONDS);
      return null;
    } catch (ExecutionException e) {
      return who + " threw " + e.getCause();
    } catch (TimeoutException e) {
      f.cancel(true);
      return who + " did not finish within 60 s (deadlock or livelock)";
    }
  }

  /**
   * Meets the other thread at the barrier, then busy-waits until it is there too: a barrier alone
   * wakes the thread that arrived first tens of microseconds after the last one, which would always
   * let the same thread win.
   */
  private static void startTogether(CyclicBarrier barrier, AtomicInteger gate) throws Exception {
    barrier.await();
    gate.incrementAndGet();
    // bounded, so that on an overloaded machine a descheduled partner costs little
    for (int i = 0; i < 20_000 && gate.get() < 2; i++) {
      Thread.onSpinWait();
    }
  }

  /** Busy-waits a few steps so that the two threads do not always start in the same order. */
  private static void spin(int n) {
    for (int i = 0; i < n; i++) {
      Thread.onSpinWait();
    }
  }

  // ==============================================================================================
  // The redesigned core
  // ==============================================================================================

  /** The redesigned glue: fwspec built off the device, one entry at a time, then handed off. */
  private static DmaConfigure redesignedGlue(FwNode node, List<IommuFwspec> built) {
    return (core, dev) -> {
      try (IommuFwspec fwspec = core.allocFwspec()) {
        built.add(fwspec);
        for (int id : IDS) {
          core.fwspecOfXlate(fwspec, dev, node, ImmutableIntArray.of(id));
          PreRedesignCore.window();
        }
        ProbeResult r = core.probeDevice(dev, fwspec); // ownership passes here
        return TestGlue.toConfigureResult(r, node);
      } catch (IommuException e) {
        return TestGlue.fromException(e);
      }
    };
  }

  private static Subject redesigned(int iteration) {
    return redesigned(ProbeFlow.offDeviceHandover(), iteration);
  }

  private static Subject firmwareInProbe(int iteration) {
    return redesigned(ProbeFlow.firmwareInProbe(), iteration);
  }

  private static Subject redesigned(ProbeFlow flow, int iteration) {
    IommuCore core = new IommuCore(flow);
    TestDriver driver = new TestDriver("smmu");
    FwNode node = FwNode.create("/smmu");
    IommuInstance instance = driver.newInstance("S", node);
    List<IommuFwspec> built = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int k = 0; k < iteration % 3; k++) {
      core.addDevice(Device.builder("other" + k, BusKind.PLATFORM).build());
    }
    Device dev =
        Device.builder("D", BusKind.PLATFORM).dmaConfigureStep(redesignedGlue(node, built)).build();
    core.addDevice(dev);
    List<Object> problems = java.util.Collections.synchronizedList(new ArrayList<>());
    String[] path = {""};
    return new Subject() {
      @Override
      public String path() {
        return path[0];
      }

      @Override
      public void glue() {
        DmaConfigureResult r = core.dmaConfigure(dev);
        path[0] =
            r instanceof DmaConfigureResult.Deferred
                ? "glue deferred, registration retried it"
                : core.probeFlow() instanceof ProbeFlow.FirmwareInProbe
                    ? "registration's walk configured D, glue found it bound"
                    : "glue found S registered";
        if (!(r instanceof DmaConfigureResult.Configured)
            && !(r instanceof DmaConfigureResult.Deferred)) {
          problems.add("glue's configure answered " + r);
        }
      }

      @Override
      public void register() throws IommuException {
        core.registerInstance(instance); // retries D if it was waiting
        PreRedesignCore.window();
        for (Device d : core.devices()) { // and the kernel's bus walk, for good measure
          ProbeResult r = core.probeDevice(d);
          if (r instanceof ProbeResult.Failed) {
            problems.add("bus walk probe of " + d + " failed: " + r);
          }
        }
      }

      @Override
      public @Nullable String inconsistency() {
        if (!problems.isEmpty()) {
          return problems.toString();
        }
        IommuBinding b = dev.iommuBinding().orElse(null);
        if (b == null) {
          return "D ended without an IOMMU";
        }
        if (b.instance() != instance || !Arrays.equals(b.ids().toArray(), IDS)) {
          return "D bound to "
              + b.instance()
              + " with "
              + b.ids()
              + " instead of S with "
              + Arrays.toString(IDS);
        }
        if (core.fwspecsAllocated() - core.fwspecsFreed() != 1) {
          return (core.fwspecsAllocated() - core.fwspecsFreed()) + " fwspecs alive, expected 1";
        }
        long installed = built.stream().filter(f -> f.state() == FwspecState.INSTALLED).count();
        long building = built.stream().filter(f -> f.state() == FwspecState.BUILDING).count();
        if (installed != 1 || building != 0) {
          return installed + " fwspecs INSTALLED and " + building + " BUILDING, expected 1 and 0";
        }
        if (!core.waitingDevices().isEmpty()) {
          return "still waiting: " + core.waitingDevices();
        }
        return null;
      }
    };
  }

  // ==============================================================================================
  // The pre-redesign variant
  // ==============================================================================================

  private static Subject preRedesign(int iteration) {
    PreRedesignCore p = new PreRedesignCore();
    FwNode node = FwNode.create("/smmu");
    for (int k = 0; k < iteration % 3; k++) {
      p.addDevice(new PreRedesignCore.Dev("other" + k));
    }
    PreRedesignCore.Dev dev = new PreRedesignCore.Dev("D");
    p.addDevice(dev);
    CountDownLatch registered = new CountDownLatch(1);
    String[] path = {""};
    return new Subject() {
      @Override
      public String path() {
        return path[0];
      }

      @Override
      public void glue() throws InterruptedException {
        PreRedesignCore.Configure c = p.ofIommuConfigure(dev, node, IDS);
        path[0] = "glue " + c;
        if (c == PreRedesignCore.Configure.DEFERRED) {
          registered.await(); // the driver core retries deferred probes after a driver binds
          var unused = p.ofIommuConfigure(dev, node, IDS);
        }
      }

      @Override
      public void register() {
        try {
          p.registerInstance(node);
        } finally {
          registered.countDown();
        }
      }

      @Override
      public @Nullable String inconsistency() {
        int[] bound = dev.boundIds;
        if (dev.group == null || bound == null) {
          return "D silently ended without an IOMMU (its fwspec was freed under the glue)";
        }
        if (!Arrays.equals(bound, IDS)) {
          return "D bound with IDs "
              + Arrays.toString(bound)
              + " instead of "
              + Arrays.toString(IDS)
              + " (probed while its fwspec was half built)";
        }
        PreRedesignCore.DevIommu slot = dev.iommu;
        PreRedesignCore.Fwspec installed = slot == null ? null : slot.fwspec;
        long leaked = p.allFwspecs.stream().filter(f -> !f.freed && f != installed).count();
        if (leaked != 0) {
          return leaked + " fwspecs leaked";
        }
        return null;
      }
    };
  }

  // ==============================================================================================

  @Test
  void redesignedCoreNeverFailsAndPreRedesignVariantDoes() throws InterruptedException {
    int n = iterations();

    Outcome redesigned = race(ProbeRaceTest::redesigned, n, MAX_SKEW);
    Outcome pre = race(ProbeRaceTest::preRedesign, n, MAX_SKEW);

    System.out.printf(
        "ProbeRaceTest redesigned core: %d iterations in %d ms, %d failures%s%n",
        redesigned.iterations(),
        redesigned.ms(),
        redesigned.failures(),
        redesigned.firstWhat() == null
            ? ""
            : "; first at iteration " + redesigned.firstFailure() + ": " + redesigned.firstWhat());
    System.out.printf(
        "ProbeRaceTest pre-redesign variant: %d iterations in %d ms, %d failed; first failure at"
            + " iteration %d after %d ms: %s%n",
        pre.iterations(),
        pre.ms(),
        pre.failures(),
        pre.firstFailure(),
        pre.msToFirst(),
        pre.firstWhat());
    System.out.println("ProbeRaceTest redesigned tally: " + redesigned.tally());
    System.out.println("ProbeRaceTest pre-redesign tally: " + pre.tally());
    assertThat(redesigned.failures())
        .as("redesigned core failures (first: %s)", redesigned.firstWhat())
        .isZero();
    assertThat(pre.failures())
        .as("the harness must catch the pre-redesign race within %d iterations", n)
        .isPositive();
  }

  /**
   * The same race against the Linux 6.15+ flow: D is added (and configured, finding nothing)
   * before S registers; then D's driver probe races S's registration, whose walk configures D
   * itself. D must end bound to S with its IDs every time, nothing leaked, nothing waiting.
   */
  @Test
  void firmwareParseInTheProbePathNeverFailsEither() throws InterruptedException {
    int n = iterations();

    Outcome inProbe = race(ProbeRaceTest::firmwareInProbe, n, MAX_SKEW);

    System.out.printf(
        "ProbeRaceTest firmware parse in the probe path: %d iterations in %d ms, %d failures%s%n",
        inProbe.iterations(),
        inProbe.ms(),
        inProbe.failures(),
        inProbe.firstWhat() == null
            ? ""
            : "; first at iteration " + inProbe.firstFailure() + ": " + inProbe.firstWhat());
    System.out.println("ProbeRaceTest firmware-in-probe tally: " + inProbe.tally());
    assertThat(inProbe.failures())
        .as("firmware-in-probe failures (first: %s)", inProbe.firstWhat())
        .isZero();
  }
}
