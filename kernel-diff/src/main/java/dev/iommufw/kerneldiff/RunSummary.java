package dev.iommufw.kerneldiff;

import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * The outcome of a run directory ({@code OUT/NAME/boot-1}, {@code boot-2}, each an observed
 * machine): per topology whether it booted, whether its two boots agree (else it is flaky and
 * proves nothing), and whether the kernel agrees with the library; then the counts.
 *
 * @param lines the per-topology lines (device lines indented below their topology)
 * @param counts the summary line
 */
public record RunSummary(ImmutableList<String> lines, String counts) {

  /** Status of one topology. */
  enum Status {
    FAILED,
    FLAKY,
    AGREES,
    DIFFERS
  }

  /**
   * Reads a run directory; writes {@code diff.txt} into each topology's directory.
   *
   * @param out the run directory
   * @param twice each topology was booted twice (compare the boots)
   * @return the summary
   * @throws IOException if the directory cannot be read
   */
  public static RunSummary of(Path out, boolean twice) throws IOException {
    List<String> lines = new ArrayList<>();
    int total = 0;
    int booted = 0;
    int flaky = 0;
    int agree = 0;
    int differ = 0;
    List<Double> seconds = new ArrayList<>();
    TreeSet<String> kernels = new TreeSet<>();
    for (Path t : KernelDiff.children(out)) {
      Path b1 = t.resolve("boot-1");
      if (!Files.isDirectory(b1)) {
        continue;
      }
      total++;
      List<Path> boots = new ArrayList<>();
      boots.add(b1);
      if (twice) {
        boots.add(t.resolve("boot-2"));
      }
      boolean ok = true;
      for (Path b : boots) {
        double sec = readSeconds(b);
        if (!Double.isNaN(sec)) {
          seconds.add(sec);
        }
        if (Files.exists(b.resolve("status")) || !Files.exists(b.resolve("expected.jsonl"))) {
          ok = false;
        }
      }
      String name = t.getFileName().toString();
      List<String> detail = new ArrayList<>();
      Status status;
      if (!ok) {
        status = Status.FAILED;
        for (Path b : boots) {
          if (Files.exists(b.resolve("status"))) {
            detail.add(
                b.getFileName()
                    + ": "
                    + Files.readString(b.resolve("status")).trim()
                    + " (see "
                    + b.resolve("console.log")
                    + ")");
          }
        }
      } else {
        booted++;
        try {
          kernels.add(
              KernelDiff.machineWithoutName(b1.resolve("machine.json")).path("kernel").asText());
          if (twice) {
            Path b2 = t.resolve("boot-2");
            List<String> d = Comparison.diff("boot-1", report(b1), "boot-2", report(b2));
            detail.addAll(d);
            if (!comparable(b1).equals(comparable(b2))) {
              detail.add("machine.json differs between the boots");
            }
          }
          if (!detail.isEmpty()) {
            status = Status.FLAKY;
            flaky++;
          } else {
            detail.addAll(KernelDiff.diffAgainstLibrary(b1));
            status = detail.isEmpty() ? Status.AGREES : Status.DIFFERS;
            if (status == Status.AGREES) {
              agree++;
            } else {
              differ++;
            }
          }
        } catch (ObservationException e) {
          status = Status.FAILED;
          booted--;
          detail.add(e.getMessage());
        }
      }
      Files.write(t.resolve("diff.txt"), detail, StandardCharsets.UTF_8);
      lines.add(name + ": " + describe(status, detail.size()));
      for (String d : detail) {
        lines.add("  " + d);
      }
    }
    Collections.sort(seconds);
    String time =
        seconds.isEmpty()
            ? ""
            : String.format(
                Locale.ROOT,
                "; boot wall time min %.1f s, median %.1f s, max %.1f s over %d boots",
                seconds.get(0),
                seconds.get(seconds.size() / 2),
                seconds.get(seconds.size() - 1),
                seconds.size());
    String counts =
        String.format(
                Locale.ROOT,
                "kernel %s: %d topologies, %d booted, %d %s, %d agree with the library, %d differ%s",
                kernels.isEmpty() ? "?" : String.join(",", kernels),
                total,
                booted,
                twice ? booted - flaky : booted,
                twice ? "stable" : "observed",
                agree,
                differ,
                time)
            + (twice ? String.format(Locale.ROOT, ", %d flaky", flaky) : "");
    return new RunSummary(ImmutableList.copyOf(lines), counts);
  }

  /**
   * A boot's machine description as two boots must agree on it: without its name, and from Linux
   * 6.15 on without {@code bind_order}, which no longer decides the outcome there (drivers bind in
   * a racy order, for instance a virtio-iommu's own function).
   */
  private static com.fasterxml.jackson.databind.JsonNode comparable(Path boot) throws IOException {
    com.fasterxml.jackson.databind.JsonNode n =
        KernelDiff.machineWithoutName(boot.resolve("machine.json"));
    if (n instanceof com.fasterxml.jackson.databind.node.ObjectNode o
        && KernelVersion.atLeast(n.path("kernel").asText("0.0"), 6, 15)) {
      o.remove("bind_order");
    }
    return n;
  }

  private static String describe(Status s, int details) {
    return switch (s) {
      case FAILED -> "FAILED";
      case FLAKY -> "FLAKY (the two boots disagree; not compared with the library)";
      case AGREES -> "agrees";
      case DIFFERS -> "DIFFERS (" + details + " device" + (details == 1 ? "" : "s") + ")";
    };
  }

  private static List<DeviceResult> report(Path boot) throws IOException, ObservationException {
    return DeviceResult.parseReport(
        Files.readString(boot.resolve("expected.jsonl"), StandardCharsets.UTF_8));
  }

  private static double readSeconds(Path boot) {
    try {
      return Double.parseDouble(Files.readString(boot.resolve("seconds")).trim());
    } catch (IOException | NumberFormatException e) {
      return Double.NaN;
    }
  }

  /**
   * The summary as text: the per-topology lines, then the counts.
   *
   * @return the text, ending in a newline
   */
  public String render() {
    StringBuilder s = new StringBuilder();
    for (String l : lines) {
      s.append(l).append('\n');
    }
    return s.append(counts).append('\n').toString();
  }
}
