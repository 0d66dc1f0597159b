package dev.iommufw.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The benchmark thread's CPU time next to JMH's wall-clock score: {@code cpuNs / cpuOps} is the CPU
 * cost of one operation, which, unlike the score, excludes time spent waiting for a CPU on a
 * machine shared with other work. Each invocation reads the thread CPU clock twice (well under a
 * microsecond), so it is used only where one invocation takes tens of microseconds, or batches many
 * operations.
 */
@AuxCounters(AuxCounters.Type.EVENTS)
@State(Scope.Thread)
public class CpuCounters {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  /** CPU nanoseconds of the measured invocations in this iteration. */
  public long cpuNs;

  /** Operations those invocations performed. */
  public long cpuOps;

  /** Creates the counters. */
  public CpuCounters() {}

  /** Resets the counters for an iteration. */
  @Setup(Level.Iteration)
  public void reset() {
    cpuNs = 0;
    cpuOps = 0;
  }

  /**
   * Reads the thread's CPU clock (package-private: JMH would take a public method for a counter).
   *
   * @return nanoseconds
   */
  static long now() {
    return THREADS.getCurrentThreadCpuTime();
  }

  /**
   * Adds an invocation.
   *
   * @param startNs {@link #now()} before it
   * @param ops operations it performed
   */
  void add(long startNs, int ops) {
    cpuNs += now() - startNs;
    cpuOps += ops;
  }
}
