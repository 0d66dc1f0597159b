package dev.iommufw.of;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The Java side of the libfdt differential check ({@code src/test/libfdt/compare.sh}): prints one
 * line per blob file named on the command line (or, with no arguments, on each line of standard
 * input): {@code <file>\tOK} when {@link Fdt#parse} accepts it, else {@code
 * <file>\t<Problem>\t<message>} (for example {@code BAD_STRUCTURE}).
 *
 * <p>Not a test: only the script runs it. The verdicts that matter are asserted offline by {@code
 * LibfdtAgreementTest}.
 */
final class FdtVerdictMain {
  private FdtVerdictMain() {}

  /** The verdict on one blob, as printed after the file name. */
  static String verdict(byte[] blob) {
    try {
      var unused = Fdt.parse(blob);
      return "OK";
    } catch (FdtFormatException e) {
      return e.problem().name() + "\t" + e.getMessage();
    }
  }

  public static void main(String[] args) throws IOException {
    if (args.length == 2 && args[0].equals("--dump-dtc-trees")) {
      // Writes DtcTestTrees' blobs as DIR/<label>.dtb, for compare.sh to check against trees.S.
      Path dir = Path.of(args[1]);
      Files.createDirectories(dir);
      for (Map.Entry<String, byte[]> e : DtcTestTrees.all().entrySet()) {
        Files.write(dir.resolve(e.getKey() + ".dtb"), e.getValue());
      }
      return;
    }
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    List<String> files = Arrays.asList(args);
    if (files.isEmpty()) {
      BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      files = in.lines().filter(l -> !l.isEmpty()).collect(Collectors.toList());
    }
    for (String file : files) {
      out.println(file + "\t" + verdict(Files.readAllBytes(Path.of(file))));
    }
    out.flush();
  }
}
