package dev.iommufw.kerneldiff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The stable boots this harness harvested (resources {@code machines/}, see its NOTICE.md): real
 * kernels' reports on generated topologies, kept as regression tests for the library.
 */
class HarvestedMachinesTest {
  static Stream<Path> machines() throws Exception {
    URL u = HarvestedMachinesTest.class.getResource("/machines");
    if (u == null) {
      throw new AssertionError("no machines/ test resources");
    }
    Path root;
    try {
      root = Path.of(u.toURI());
    } catch (URISyntaxException e) {
      throw new AssertionError(e);
    }
    List<Path> dirs = KernelDiff.children(root);
    assertThat(dirs).isNotEmpty();
    return dirs.stream();
  }

  @ParameterizedTest
  @MethodSource("machines")
  void theLibraryReportsTheSameDevicesInTheSameOrderWithTheSameDrivers(Path dir) throws Exception {
    List<DeviceResult> kernel =
        DeviceResult.parseReport(
            Files.readString(dir.resolve("expected.jsonl"), StandardCharsets.US_ASCII));
    List<DeviceResult> library =
        DeviceResult.parseReport(Library.predict(dir.resolve("machine.json")));

    assertThat(library)
        .extracting(DeviceResult::device, DeviceResult::pci, DeviceResult::driver)
        .containsExactlyElementsOf(
            kernel.stream().map(d -> tuple(d.device(), d.pci(), d.driver())).toList());
  }

  @ParameterizedTest
  @MethodSource("machines")
  void theLibraryPredictsExactlyWhatTheKernelDid(Path dir) throws Exception {
    assertThat(Library.predict(dir.resolve("machine.json")))
        .isEqualTo(Files.readString(dir.resolve("expected.jsonl"), StandardCharsets.US_ASCII));
  }
}
