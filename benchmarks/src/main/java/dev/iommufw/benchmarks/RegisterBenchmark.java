package dev.iommufw.benchmarks;

import dev.iommufw.core.BusKind;
import dev.iommufw.core.Device;
import dev.iommufw.core.DmaConfigure;
import dev.iommufw.core.DmaConfigureResult;
import dev.iommufw.core.Errno;
import dev.iommufw.core.FwNode;
import dev.iommufw.core.IommuCore;
import dev.iommufw.core.IommuException;
import dev.iommufw.core.IommuFwspec;
import dev.iommufw.core.IommuInstance;
import dev.iommufw.core.ProbeResult;
import dev.iommufw.core.testing.StandInDriver;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Benchmark 2: registering {@code instances} IOMMU instances while {@code waiting} devices wait for
 * IOMMUs (kernel: {@code iommu_device_register()} followed by the deferred-probe retry).
 *
 * <p>Set-up (not timed) builds a fresh system per shot: {@code waiting} devices whose DMA-configure
 * step defers until its IOMMU registers. Two shots are measured:
 *
 * <ul>
 *   <li>{@link #registerAll}: device {@code i} waits for instance {@code i mod instances}; the shot
 *       registers every instance, which configures (fwspec, probe, bind) every waiting device
 *       exactly once. The work that must be done is the same for every {@code instances} value, so
 *       with a waiting index the score should not grow with {@code instances}; the kernel's bus
 *       walk per registration would make it grow {@code instances}-fold.
 *   <li>{@link #registerUnrelated}: every device waits for an IOMMU that never registers; the shot
 *       registers the instances, which must not touch the waiting devices at all. Score / {@code
 *       instances} is the cost of one registration.
 * </ul>
 *
 * <p>The secondary result {@code cpuMs} is the benchmark thread's CPU time for the shot, which
 * excludes time spent waiting for a CPU on a busy machine (and work done by GC threads).
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms6g", "-Xmx6g", "-Xmn3g"})
@State(Scope.Benchmark)
public class RegisterBenchmark {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  /** Instances registered in the shot (K). */
  @Param({"1", "16", "1024"})
  public int instances;

  /** Devices waiting before the shot (N). */
  @Param({"10000", "1000000"})
  public int waiting;

  /** Creates the state; JMH fills the parameters. */
  public RegisterBenchmark() {}

  /**
   * Compiles the registration and retry paths before the first shot, on side systems, so that a
   * small shot (N = 10⁴, K = 1) is not measured in the interpreter.
   *
   * @throws IommuException never
   */
  @Setup(Level.Trial)
  public void warmUp() throws IommuException {
    for (int round = 0; round < 5; round++) {
      new Shot(16, 20_000, false).registerAll();
      new Shot(1024, 2_000, true).registerAll();
    }
  }

  /** One shot's system: the instances to register and the devices waiting for IOMMUs. */
  static final class Shot {
    final IommuCore core = new IommuCore();
    final IommuInstance[] toRegister;
    final Device[] devs;

    Shot(int instances, int waiting, boolean unrelated) {
      StandInDriver driver = StandInDriver.minimal("bench");
      toRegister = new IommuInstance[instances];
      FwNode[] nodes = new FwNode[instances];
      for (int k = 0; k < instances; k++) {
        toRegister[k] = driver.newInstance("smmu" + k);
        nodes[k] = Objects.requireNonNull(toRegister[k].fwNode());
      }
      FwNode never = FwNode.create("never-registered");
      devs = new Device[waiting];
      for (int i = 0; i < waiting; i++) {
        FwNode node = unrelated ? never : nodes[i % instances];
        Device dev =
            Device.builder("dev" + i, BusKind.PLATFORM).dmaConfigureStep(new Glue(node, i)).build();
        devs[i] = dev;
        core.addDevice(dev);
        if (!(core.dmaConfigure(dev) instanceof DmaConfigureResult.Deferred)) {
          throw new IllegalStateException(dev + " did not defer");
        }
      }
    }

    IommuCore registerAll() throws IommuException {
      for (IommuInstance instance : toRegister) {
        core.registerInstance(instance);
      }
      return core;
    }

    void check(boolean expectMapped) {
      for (Device d : new Device[] {devs[0], devs[devs.length - 1]}) {
        if (d.isIommuMapped() != expectMapped) {
          throw new IllegalStateException(d + " mapped: " + d.isIommuMapped());
        }
      }
    }
  }

  /** The system of {@link #registerAll}: device i waits for instance i mod K. */
  @State(Scope.Thread)
  public static class AllWaitedFor {
    Shot shot = new Shot(1, 1, false);

    /** Creates the state. */
    public AllWaitedFor() {}

    /**
     * Builds a fresh system (not timed).
     *
     * @param params the benchmark parameters
     */
    @Setup(Level.Iteration)
    public void setUp(RegisterBenchmark params) {
      shot = new Shot(params.instances, params.waiting, false);
    }

    /** Checks that the registration configured the waiting devices (not timed). */
    @TearDown(Level.Iteration)
    public void check() {
      shot.check(true);
    }
  }

  /** The system of {@link #registerUnrelated}: every device waits for an IOMMU never registered. */
  @State(Scope.Thread)
  public static class NoneWaitedFor {
    Shot shot = new Shot(1, 1, true);

    /** Creates the state. */
    public NoneWaitedFor() {}

    /**
     * Builds a fresh system (not timed).
     *
     * @param params the benchmark parameters
     */
    @Setup(Level.Iteration)
    public void setUp(RegisterBenchmark params) {
      shot = new Shot(params.instances, params.waiting, true);
    }

    /** Checks that the registration left the waiting devices alone (not timed). */
    @TearDown(Level.Iteration)
    public void check() {
      shot.check(false);
    }
  }

  /** Per-shot counters reported next to the score. */
  @AuxCounters(AuxCounters.Type.EVENTS)
  @State(Scope.Thread)
  public static class Counters {
    /** The benchmark thread's CPU milliseconds in the shot. */
    public double cpuMs;

    /** Creates the counters. */
    public Counters() {}
  }

  /**
   * Registers all K instances; every waiting device is configured once.
   *
   * @param state the system
   * @param counters where the shot's CPU time goes
   * @return the system, so that nothing is dead code
   * @throws IommuException never: registering a fresh instance with a node cannot fail
   */
  @Benchmark
  public IommuCore registerAll(AllWaitedFor state, Counters counters) throws IommuException {
    long cpu0 = THREADS.getCurrentThreadCpuTime();
    IommuCore core = state.shot.registerAll();
    counters.cpuMs = (THREADS.getCurrentThreadCpuTime() - cpu0) / 1e6;
    return core;
  }

  /**
   * Registers all K instances over N devices that wait for another IOMMU.
   *
   * @param state the system
   * @param counters where the shot's CPU time goes
   * @return the system
   * @throws IommuException never
   */
  @Benchmark
  public IommuCore registerUnrelated(NoneWaitedFor state, Counters counters) throws IommuException {
    long cpu0 = THREADS.getCurrentThreadCpuTime();
    IommuCore core = state.shot.registerAll();
    counters.cpuMs = (THREADS.getCurrentThreadCpuTime() - cpu0) / 1e6;
    return core;
  }

  /** A firmware glue step: defer until the IOMMU registers, then form the fwspec and probe. */
  private record Glue(FwNode iommu, int id) implements DmaConfigure {
    @Override
    public DmaConfigureResult configure(IommuCore core, Device dev) {
      if (!core.isRegistered(iommu)) {
        return new DmaConfigureResult.Deferred(iommu);
      }
      try (IommuFwspec fwspec = core.allocFwspec()) {
        core.fwspecAssignIommu(fwspec, dev, iommu);
        fwspec.appendIds(id);
        ProbeResult r = core.probeDevice(dev, fwspec);
        if (r instanceof ProbeResult.Bound bound) {
          return new DmaConfigureResult.Configured(bound.binding());
        }
        return new DmaConfigureResult.Failed(Errno.EINVAL, r.toString(), bound0());
      } catch (IommuException e) {
        return e.errno() == Errno.EPROBE_DEFER
            ? new DmaConfigureResult.Deferred(iommu)
            : new DmaConfigureResult.Failed(e.errno(), String.valueOf(e.getMessage()), bound0());
      }
    }

    private static com.google.common.primitives.ImmutableIntArray bound0() {
      return com.google.common.primitives.ImmutableIntArray.of();
    }
  }
}
