package dev.iommufw.of;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Jazzer fuzz target for the DTB reader and the binding parsers that run on its output.
 *
 * <p>Property: {@link Fdt#parse(byte[])} returns a tree or throws {@link FdtFormatException}; on a
 * tree, {@link OfIommus#parse}, {@link IommuMap#parse} and {@link IommuMap#mapId} return normally
 * for every node. Any other throwable, or an input past Jazzer's per-input time limit, is a
 * finding.
 *
 * <p>Under plain {@code mvn verify} this replays the seeds and saved findings in {@code
 * src/test/resources/dev/iommufw/of/FdtFuzzTestInputs/parse/}. To fuzz for a chosen time (default 2
 * minutes; the JVM uses about 2 GB), with inputs capped at 4 KiB for speed:
 *
 * <pre>JAZZER_FUZZ=1 JAZZER_MAX_DURATION=10m mvn -pl of-glue test -Dtest=FdtFuzzTest \
 *     -Djazzer.internal.arg.0=fuzz -Djazzer.internal.arg.1=-max_len=4096</pre>
 *
 * A finding is saved as {@code crash-*} in the inputs directory and replays from then on.
 *
 * <p>When fuzzing, {@code FdtFuzzTest.dict} (next to the inputs) offers the header words, tokens
 * and property names, including the shapes found by the libfdt comparison: a v16 header claiming
 * v17 compatibility, misaligned block offsets, a size-0 reservation terminator with an address, and
 * a NOP between the root's END_NODE and END (seeds {@code seed-libfdt-*}).
 */
class FdtFuzzTest {

  @FuzzTest(maxDuration = "2m")
  @DictionaryFile(resourcePath = "/dev/iommufw/of/FdtFuzzTest.dict")
  @SuppressWarnings("CheckReturnValue") // calls accessors only for the exceptions they may throw
  void parse(byte[] blob) {
    Fdt fdt;
    try {
      fdt = Fdt.parse(blob);
    } catch (FdtFormatException expected) {
      return;
    }
    for (FdtNode node : fdt.nodes()) {
      node.path();
      node.compatible();
      node.isAvailable();
      OfIommus.parse(fdt, node);
      IommuMap map = IommuMap.parse(fdt, node);
      if (map.isPresent()) {
        map.mapId(0);
        map.mapId(0x0800);
        for (IommuMap.Entry e : map.entries()) {
          map.mapId(e.ridBase());
          map.mapId(e.ridBase() + e.length() - 1);
          FdtNode target = e.iommu();
          if (target != null) {
            map.mapId(e.ridBase(), target);
          }
        }
      }
    }
  }
}
