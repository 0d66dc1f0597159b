package dev.iommufw.benchmarks;

import com.google.common.io.ByteStreams;
import dev.iommufw.of.Fdt;
import dev.iommufw.of.FdtFormatException;
import dev.iommufw.report.Reports;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * Benchmark 3: parsing DTBs ({@link Fdt#parse(byte[])}) and writing the full fwspec report ({@link
 * Reports#writeReport}) for single corpus files and for the whole corpus, files already in memory.
 * {@code file} is a path relative to the corpus ({@link DtCorpus}) or {@code ALL} for every blob of
 * it (malformed ones included: parse then fails fast, and the report is the error line). Every
 * other file is timed by {@link CorpusPerFile}, which {@code run.sh} also runs. {@link CpuCounters}
 * adds the CPU time per operation.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class DtbBenchmark {
  /** A corpus-relative path, or {@code ALL}. */
  @Param({
    "ALL",
    "handmade/hm-multi-iommu.dtb",
    "debian/freescale/fsl-ls1028a-rdb.dtb",
    "debian/qcom/sc7280-herobrine-crd.dtb",
    "qemu/qemu-virt-smmuv3-gicv3.dtb"
  })
  public String file;

  private byte[][] blobs = new byte[0][];

  /** Creates the state; JMH fills {@link #file}. */
  public DtbBenchmark() {
    file = "ALL";
  }

  /** Loads the file(s) into memory. */
  @Setup(Level.Trial)
  public void load() {
    List<Path> paths = new ArrayList<>();
    if (file.equals("ALL")) {
      paths.addAll(DtCorpus.all());
    } else {
      paths.add(DtCorpus.root().resolve(file));
    }
    blobs = new byte[paths.size()][];
    for (int i = 0; i < blobs.length; i++) {
      blobs[i] = DtCorpus.read(paths.get(i));
    }
  }

  /**
   * Parses the blob(s).
   *
   * @param bh sink
   * @param cpu CPU time counters
   */
  @Benchmark
  public void parse(Blackhole bh, CpuCounters cpu) {
    long start = CpuCounters.now();
    for (byte[] blob : blobs) {
      try {
        bh.consume(Fdt.parse(blob));
      } catch (FdtFormatException e) {
        bh.consume(e);
      }
    }
    cpu.add(start, 1);
  }

  /**
   * Writes the full report of the blob(s) to a discarding stream.
   *
   * @param bh sink
   * @param cpu CPU time counters
   * @throws IOException never: the stream discards
   */
  @Benchmark
  public void report(Blackhole bh, CpuCounters cpu) throws IOException {
    long start = CpuCounters.now();
    for (byte[] blob : blobs) {
      bh.consume(Reports.writeReport(blob, ByteStreams.nullOutputStream()));
    }
    cpu.add(start, 1);
  }
}
