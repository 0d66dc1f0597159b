package dev.iommufw.benchmarks;

import dev.iommufw.core.BusKind;
import dev.iommufw.core.Device;
import dev.iommufw.core.IommuCore;
import dev.iommufw.core.IommuException;
import dev.iommufw.core.IommuFwspec;
import dev.iommufw.core.IommuInstance;
import dev.iommufw.core.ProbeResult;
import dev.iommufw.core.testing.StandInDriver;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Benchmark 1: probing devices that come with an already-formed fwspec (kernel: {@code
 * iommu_probe_device()} as called from {@code of_iommu_configure()} / {@code
 * acpi_iommu_configure_id()} once the fwspec is built).
 *
 * <p>Each measured shot probes <em>every</em> device of a system of {@code devices} devices, each
 * with its own fwspec (one ID), on one thread; the score is the time of the whole shot, so the
 * per-probe cost is score / {@code devices} ({@code run.sh} divides). Between shots, not timed,
 * every device is released and gets a freshly formed fwspec. Because a shot of 10³ probes is too
 * short to warm the JIT, the trial set-up first runs a few hundred thousand probe/release cycles on
 * a separate system.
 *
 * <p>The young generation (3 GiB) holds a whole shot's allocations (about 240 bytes per probe, all
 * of which stay live as the devices' bindings), so that a shot of 10⁶ probes is not charged for a
 * collection that copies them; {@code run.sh} passes {@code -gc true} so that garbage of the set-up
 * is collected before each shot. The secondary result {@code cpuNsPerProbe} is the benchmark
 * thread's CPU time per probe: unlike the wall-clock score it excludes time spent waiting for a CPU
 * on a busy machine (and any GC work done by GC threads).
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 10)
@Measurement(iterations = 10)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms6g", "-Xmx6g", "-Xmn3g"})
@State(Scope.Benchmark)
public class ProbeBenchmark {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  /** Devices in the system, all probed in one shot. */
  @Param({"1000", "10000", "100000", "1000000"})
  public int devices;

  /** Probe/release cycles run on a side system before measuring, to compile the path. */
  @Param({"300000"})
  public int jitWarmupCycles;

  private IommuCore core = new IommuCore();
  private IommuInstance instance = StandInDriver.minimal("bench").newInstance("unused");
  private Device[] devs = new Device[0];
  private IommuFwspec[] fwspecs = new IommuFwspec[0];

  /** Creates the state; JMH calls {@link #setUpTrial()}. */
  public ProbeBenchmark() {}

  /**
   * Builds the system and warms the probe path.
   *
   * @throws IommuException never, the instance is registered first
   */
  @Setup(Level.Trial)
  public void setUpTrial() throws IommuException {
    warmUp(jitWarmupCycles);
    StandInDriver driver = StandInDriver.minimal("bench");
    core = new IommuCore();
    instance = driver.newInstance("smmu0");
    core.registerInstance(instance);
    devs = new Device[devices];
    fwspecs = new IommuFwspec[devices];
    for (int i = 0; i < devices; i++) {
      devs[i] = Device.builder("dev" + i, BusKind.PLATFORM).build();
      core.addDevice(devs[i]);
    }
  }

  /**
   * Releases every device and forms a new fwspec for each (not timed).
   *
   * @throws IommuException never, the instance is registered
   */
  @Setup(Level.Iteration)
  public void setUpShot() throws IommuException {
    for (int i = 0; i < devices; i++) {
      core.releaseDevice(devs[i]);
      fwspecs[i] = formFwspec(core, instance, devs[i], i);
    }
  }

  /** Per-shot counters reported next to the score. */
  @AuxCounters(AuxCounters.Type.EVENTS)
  @State(Scope.Thread)
  public static class Counters {
    /** The benchmark thread's CPU nanoseconds per probe in the shot. */
    public double cpuNsPerProbe;

    /** Creates the counters. */
    public Counters() {}
  }

  /**
   * Probes every device once with its formed fwspec.
   *
   * @param counters where the shot's CPU time per probe goes
   * @return how many probes bound their device
   */
  @Benchmark
  public int probeAll(Counters counters) {
    long cpu0 = THREADS.getCurrentThreadCpuTime();
    int bound = probeEach(core, devs, fwspecs);
    counters.cpuNsPerProbe = (THREADS.getCurrentThreadCpuTime() - cpu0) / (double) devs.length;
    return bound;
  }

  /**
   * The measured loop, shared with the trial warm-up so that it is compiled before the first shot
   * whatever the system's size (a 10³-probe shot alone would run it interpreted).
   */
  static int probeEach(IommuCore core, Device[] devs, IommuFwspec[] fwspecs) {
    int bound = 0;
    for (int i = 0; i < devs.length; i++) {
      if (core.probeDevice(devs[i], fwspecs[i]) instanceof ProbeResult.Bound) {
        bound++;
      }
    }
    return bound;
  }

  static IommuFwspec formFwspec(IommuCore core, IommuInstance instance, Device dev, int id)
      throws IommuException {
    IommuFwspec fwspec = core.allocFwspec();
    core.fwspecAssignIommu(fwspec, dev, java.util.Objects.requireNonNull(instance.fwNode()));
    fwspec.appendIds(id);
    return fwspec;
  }

  private static void warmUp(int cycles) throws IommuException {
    StandInDriver driver = StandInDriver.minimal("bench");
    IommuCore side = new IommuCore();
    IommuInstance smmu = driver.newInstance("warm");
    side.registerInstance(smmu);
    Device[] few = new Device[64];
    IommuFwspec[] formed = new IommuFwspec[few.length];
    for (int i = 0; i < few.length; i++) {
      few[i] = Device.builder("warm" + i, BusKind.PLATFORM).build();
      side.addDevice(few[i]);
    }
    for (int n = 0; n < cycles; n += few.length) {
      for (int i = 0; i < few.length; i++) {
        formed[i] = formFwspec(side, smmu, few[i], n + i);
      }
      if (probeEach(side, few, formed) != few.length) {
        throw new IllegalStateException("a warm-up probe did not bind");
      }
      for (Device dev : few) {
        side.releaseDevice(dev);
      }
    }
  }
}
