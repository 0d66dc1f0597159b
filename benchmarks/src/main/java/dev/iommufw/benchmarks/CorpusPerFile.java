package dev.iommufw.benchmarks;

import com.google.common.io.ByteStreams;
import dev.iommufw.of.Fdt;
import dev.iommufw.of.FdtFormatException;
import dev.iommufw.report.Reports;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * Per-file DTB parse and report times for the whole corpus: every file, not just the few that
 * {@link DtbBenchmark} gives to JMH (a JMH fork per file would take far too long).
 *
 * <p>A plain harness, not JMH: it warms up by parsing and reporting the whole corpus for {@code
 * warmupSeconds}, then for each file repeats parse, and then report, until {@code minMillis} have
 * passed (at least 3 times), and prints the mean per call. Usage: {@code java -cp benchmarks.jar
 * dev.iommufw.benchmarks.CorpusPerFile [warmupSeconds [minMillis]]}; output is tab-separated:
 * relative path, bytes, nodes (or -1 for a malformed blob), parse µs, report µs.
 */
public final class CorpusPerFile {
  @SuppressWarnings("UnusedVariable") // written so that the JIT cannot drop the work
  private static volatile Object sink = new Object();

  private CorpusPerFile() {}

  /**
   * Runs the harness.
   *
   * @param args optional warm-up seconds (default 3) and minimum milliseconds per file and
   *     operation (default 20)
   * @throws IOException never: output is discarded
   */
  public static void main(String[] args) throws IOException {
    double warmupSeconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
    double minMillis = args.length > 1 ? Double.parseDouble(args[1]) : 20;
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    Path root = DtCorpus.root();
    List<Path> files = DtCorpus.all();
    byte[][] blobs = new byte[files.size()][];
    for (int i = 0; i < blobs.length; i++) {
      blobs[i] = DtCorpus.read(files.get(i));
    }
    long warmEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
    do {
      for (byte[] blob : blobs) {
        parse(blob);
        report(blob);
      }
    } while (System.nanoTime() < warmEnd);
    long minNanos = (long) (minMillis * 1e6);
    out.println("file\tbytes\tnodes\tparse_us\treport_us");
    for (int i = 0; i < blobs.length; i++) {
      byte[] blob = blobs[i];
      int nodes = parse(blob);
      double parseUs = time(minNanos, () -> parse(blob));
      double reportUs = time(minNanos, () -> report(blob));
      out.printf(
          "%s\t%d\t%d\t%.2f\t%.2f%n",
          root.relativize(files.get(i)), blob.length, nodes, parseUs, reportUs);
    }
  }

  private interface Op {
    void run() throws IOException;
  }

  private static double time(long minNanos, Op op) throws IOException {
    long start = System.nanoTime();
    long n = 0;
    long elapsed;
    do {
      op.run();
      n++;
      elapsed = System.nanoTime() - start;
    } while (elapsed < minNanos || n < 3);
    return elapsed / 1e3 / n;
  }

  private static int parse(byte[] blob) {
    try {
      Fdt fdt = Fdt.parse(blob);
      sink = fdt;
      return fdt.nodeCount();
    } catch (FdtFormatException e) {
      sink = e;
      return -1;
    }
  }

  private static void report(byte[] blob) throws IOException {
    sink = Reports.writeReport(blob, ByteStreams.nullOutputStream());
  }
}
