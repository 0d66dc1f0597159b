package dev.iommufw.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * CI smoke test: every benchmark runs once, in-process, with the smallest parameters, and the side
 * harnesses run once. Nothing here is timed or compares times; it only proves that the suite still
 * compiles, its set-ups succeed and their sanity checks hold.
 */
class BenchmarksSmokeTest {
  @Test
  void everyJmhBenchmarkRunsOnce() throws Exception {
    // JMH allows one measuring instance per machine (/tmp/jmh.lock); this run measures nothing,
    // so it must not fail, nor wait, because run.sh happens to be measuring.
    System.setProperty("jmh.ignoreLock", "true");
    Options options =
        new OptionsBuilder()
            .include("dev\\.iommufw\\.benchmarks\\.[A-Za-z]+Benchmark\\.")
            .forks(0)
            .warmupIterations(0)
            .measurementIterations(1)
            .measurementTime(TimeValue.milliseconds(1))
            .param("devices", "100")
            .param("jitWarmupCycles", "10")
            .param("instances", "1", "16")
            .param("waiting", "100")
            .param("file", "ALL", "handmade/hm-multi-iommu.dtb")
            .param("mappings", "1", "16")
            .shouldFailOnError(true)
            .verbosity(VerboseMode.SILENT)
            .build();

    Collection<RunResult> results = new Runner(options).run();

    Set<String> ran =
        results.stream()
            .map(r -> r.getParams().getBenchmark().replaceAll(".*\\.(\\w+\\.\\w+)$", "$1"))
            .collect(Collectors.toSet());
    // Other benchmark classes may join the module; these are the five.
    assertThat(ran)
        .contains(
            "ProbeBenchmark.probeAll",
            "RegisterBenchmark.registerAll",
            "RegisterBenchmark.registerUnrelated",
            "DtbBenchmark.parse",
            "DtbBenchmark.report",
            "AcpiBenchmark.iortToIommu",
            "AcpiBenchmark.iortToMsi",
            "AcpiBenchmark.viotLookupPci");
    assertThat(results)
        .allSatisfy(r -> assertThat(r.getPrimaryResult().getSampleCount()).isPositive());
  }

  @Test
  void anInstalledFwspecMeetsTheReadmeFootprintClaim() throws Exception {
    // README: at most 48 bytes per installed fwspec plus 4 per ID, measured by JOL on this VM
    for (int ids : new int[] {1, 2, 4, 8}) {
      FwspecFootprint.Footprint f = FwspecFootprint.measure(ids);
      long claim = 48 + 4L * ids;
      assertThat(f.bytes())
          .as("%d IDs: %s", ids, f.detail())
          .isPositive()
          .isLessThanOrEqualTo(claim);
      // the IDs are counted: the footprint grows with them
      if (ids > 1) {
        assertThat(f.bytes()).as(f.detail()).isGreaterThan(FwspecFootprint.measure(1).bytes());
      }
    }
  }

  @Test
  void perFileHarnessCoversTheCorpus() throws Exception {
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream saved = System.out;
    try {
      System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
      CorpusPerFile.main(new String[] {"0", "0"});
    } finally {
      System.setOut(saved);
    }
    String[] lines = captured.toString(StandardCharsets.UTF_8).split("\n");
    assertThat(lines).hasSize(1 + DtCorpus.all().size());
    assertThat(DtCorpus.wellFormed()).hasSizeLessThan(DtCorpus.all().size());
  }
}
