package dev.iommufw.examples;

import com.google.common.util.concurrent.Uninterruptibles;
import dev.iommufw.examples.race.PreRedesignModel;
import dev.iommufw.examples.race.RaceModel;
import dev.iommufw.examples.race.RedesignModel;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Runs the probe race (a device's driver probe against its IOMMU's registration) on real threads
 * against the pre-redesign model, the redesigned library, and the library in the Linux 6.15+ flow
 * (firmware parse in the probe path) side by side, for a bounded time, and counts the boots that
 * went wrong: an exception (use after free, NULL dereference), or a device that did not end bound
 * to its SMMU with both stream IDs.
 *
 * <pre>
 * java -cp examples/target/iommufw-examples.jar dev.iommufw.examples.RaceDemo [SECONDS]
 * </pre>
 *
 * <p>{@code SECONDS} (default 10, at most 30) bounds the run. The line before the last is {@code
 * firmware parse in the probe path (6.15+): F3/R3 runs failed}; the last line is always {@code
 * pre-redesign: F1/R1 runs failed; redesign: F2/R2 runs failed}; the exit status is 1 if the
 * redesign or the 6.15+ flow failed a run, else 0.
 */
public final class RaceDemo {
  private static final int MAX_SECONDS = 30;

  /** Keeps the start spin from being optimised away. */
  @SuppressWarnings("unused")
  private static volatile long sink;

  private RaceDemo() {}

  /**
   * Runs the demo.
   *
   * @param args optionally the duration in seconds (a decimal; 0 &lt; s &le; 30)
   */
  public static void main(String[] args) {
    double seconds = 10;
    if (args.length > 0) {
      try {
        seconds = Double.parseDouble(args[0]);
      } catch (NumberFormatException e) {
        seconds = -1;
      }
      if (!(seconds > 0 && seconds <= MAX_SECONDS)) {
        System.err.println("usage: RaceDemo [SECONDS]  (0 < SECONDS <= 30)");
        System.exit(2);
      }
    }
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    Tally[] t = run((long) (seconds * 1e9), out);
    System.exit(t[1].failed == 0 && t[2].failed == 0 ? 0 : 1);
  }

  /** Runs and failures of one design. */
  static final class Tally {
    final String name;
    long runs;
    long failed;
    final List<String> examples = new ArrayList<>();

    Tally(String name) {
      this.name = name;
    }
  }

  /**
   * Alternates boots of the two designs until {@code nanos} elapsed; prints up to three failing
   * boots per design, then the summary line.
   */
  static Tally[] run(long nanos, PrintStream out) {
    Tally pre = new Tally("pre-redesign");
    Tally post = new Tally("redesign");
    Tally inProbe = new Tally("firmware parse in the probe path (6.15+)");
    out.println("race: D has iommus = <&S 1>, <&S 2>; CPU0 probes D's driver, CPU1 registers S");
    SplittableRandom random = new SplittableRandom(0x5eed);
    long end = System.nanoTime() + nanos;
    while (System.nanoTime() < end) {
      boot(pre, PreRedesignModel::new, random);
      boot(post, RedesignModel::new, random);
      boot(inProbe, RedesignModel::firmwareInProbe, random);
    }
    for (Tally t : new Tally[] {pre, post, inProbe}) {
      for (String e : t.examples) {
        out.println(t.name + " failure: " + e);
      }
    }
    out.println(
        String.format(
            Locale.ROOT, "%s: %d/%d runs failed", inProbe.name, inProbe.failed, inProbe.runs));
    out.println(
        String.format(
            Locale.ROOT,
            "%s: %d/%d runs failed; %s: %d/%d runs failed",
            pre.name,
            pre.failed,
            pre.runs,
            post.name,
            post.failed,
            post.runs));
    return new Tally[] {pre, post, inProbe};
  }

  /** One boot: configure and register released together, each after a random short spin. */
  private static void boot(Tally tally, Supplier<RaceModel> factory, SplittableRandom random) {
    RaceModel model = factory.get();
    AtomicInteger gate = new AtomicInteger(2);
    String[] thrown = new String[2];
    int spin0 = random.nextInt(400);
    int spin1 = random.nextInt(400);
    Thread cpu0 =
        new Thread(
            () -> {
              try {
                await(gate, spin0);
                model.configure();
              } catch (RuntimeException e) {
                thrown[0] = "CPU0 " + e;
              }
            });
    Thread cpu1 =
        new Thread(
            () -> {
              try {
                await(gate, spin1);
                model.register();
              } catch (RuntimeException e) {
                thrown[1] = "CPU1 " + e;
              }
            });
    cpu0.start();
    cpu1.start();
    join(cpu0);
    join(cpu1);
    tally.runs++;
    String problem = thrown[0] != null ? thrown[0] : thrown[1];
    if (problem == null) {
      String state = model.state();
      if (!state.equals(RaceModel.BOUND)) {
        problem = "D ended " + state + ", not " + RaceModel.BOUND;
      } else if (!model.leaks().isEmpty()) {
        problem = model.leaks();
      }
    }
    if (problem != null) {
      tally.failed++;
      if (tally.examples.size() < 3 && !tally.examples.contains(problem)) {
        tally.examples.add(problem);
      }
    }
  }

  private static void await(AtomicInteger gate, int spin) {
    gate.decrementAndGet();
    while (gate.get() > 0) {
      Thread.onSpinWait();
    }
    long x = 0;
    for (int i = 0; i < spin; i++) {
      x += i;
      Thread.onSpinWait();
    }
    sink = x;
  }

  private static void join(Thread t) {
    Uninterruptibles.joinUninterruptibly(t);
  }
}
