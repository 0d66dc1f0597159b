package dev.iommufw.machine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The JSON Schema that ships in the machine jar ({@code dev/iommufw/machine/machine.schema.json},
 * draft 2020-12) accepts every machine the project ships, and rejects every malformed description
 * the loader rejects for its form (wrong type, pattern, missing key, unknown enum value). The
 * checks that need the whole machine (parents, bus windows, duplicates, bind order) are the
 * loader's alone, as the schema's description says.
 */
class MachineSchemaTest {
  private static final Schema SCHEMA = load();

  /** Loader checks a schema cannot express: they compare one entry with others. */
  private static final Set<String> LOADER_ONLY =
      Set.of(
          "hardware model of another driver",
          "duplicate root bus",
          "parent not a bridge",
          "parent not in pci",
          "bus outside the parent's window",
          "off a root bus without a parent",
          "duplicate BDF",
          "subordinate below secondary",
          "bind_order names a device never DMA-configured",
          "bind_order names no device",
          "bind_order names no device on 6.18");

  private static Schema load() {
    try (InputStream in =
        Objects.requireNonNull(
            MachineJson.class.getResourceAsStream("machine.schema.json"),
            "machine.schema.json is not on the machine module's classpath")) {
      return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(in);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  static List<Error> errors(String json) {
    return SCHEMA.validate(json, InputFormat.JSON);
  }

  /** Every machine.json the project ships: the conformance corpus and the report's demos. */
  static List<Path> shippedMachines() throws Exception {
    List<Path> out = new ArrayList<>(MachineConformanceTest.machines());
    Path demos =
        Path.of("")
            .toAbsolutePath()
            .resolveSibling("report")
            .resolve("src/main/resources/dev/iommufw/report/machines");
    try (Stream<Path> s = Files.list(demos)) {
      s.filter(p -> Files.isRegularFile(p.resolve("machine.json"))).sorted().forEach(out::add);
    }
    return out;
  }

  @Test
  void theSchemaShipsAndEveryShippedMachineConformsToIt() throws Exception {
    List<Path> machines = shippedMachines();
    assertThat(machines).as("7 corpus machines and 2 demos").hasSizeGreaterThanOrEqualTo(9);
    for (Path folder : machines) {
      String json = Files.readString(folder.resolve("machine.json"), StandardCharsets.UTF_8);
      assertThat(errors(json)).as(folder.toString()).isEmpty();
    }
  }

  @Test
  void theFormatPagesExampleConformsAndLoads() throws Exception {
    Path page =
        Path.of("")
            .toAbsolutePath()
            .resolveSibling("iommu-core")
            .resolve("src/main/java/dev/iommufw/core/doc-files/machine-format.html");
    String html = Files.readString(page, StandardCharsets.UTF_8);
    int start = html.indexOf("<pre>{");
    assertThat(start).as("the example on %s", page).isNotNegative();
    String json =
        html.substring(start + "<pre>".length(), html.indexOf("</pre>", start))
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&");
    assertThat(errors(json)).isEmpty();
    MachineDescription d = MachineJson.parse(json.getBytes(StandardCharsets.UTF_8));
    assertThat(d.pci()).hasSize(3);
  }

  static Stream<Arguments> malformedForms() throws Exception {
    return MachineJsonTest.badDescriptions()
        .filter(a -> !LOADER_ONLY.contains((String) a.get()[0]));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformedForms")
  @SuppressWarnings("unused") // key: the loader's, checked by MachineJsonTest
  void theSchemaRejectsWhatTheLoaderRejectsForItsForm(
      String what, String machine, String key, Consumer<ObjectNode> edit) throws Exception {
    String json = new String(MachineJsonTest.mutated(machine, edit), StandardCharsets.UTF_8);
    assertThat(errors(json)).as(what).isNotEmpty();
  }

  @Test
  void theLoaderOnlyListNamesRealCasesSoNothingIsSkippedByATypo() throws Exception {
    List<Object> names = MachineJsonTest.badDescriptions().map(a -> a.get()[0]).toList();
    assertThat(names).containsAll(LOADER_ONLY);
  }

  static Stream<Arguments> schemaOnly() {
    return Stream.of(
        Arguments.of(
            "a BDF with a function above 7",
            (Consumer<ObjectNode>) r -> MachineJsonTest.pci(r, 1).put("bdf", "0000:00:01.8")),
        Arguments.of(
            "a BDF without its segment",
            (Consumer<ObjectNode>) r -> MachineJsonTest.pci(r, 1).put("bdf", "00:01.0")),
        Arguments.of(
            "a kernel with a patch level", (Consumer<ObjectNode>) r -> r.put("kernel", "6.12.117")),
        Arguments.of(
            "a misspelt optional key",
            (Consumer<ObjectNode>) r -> MachineJsonTest.pci(r, 1).put("failed_drvier", "e1000e")),
        Arguments.of(
            "a hex value with too many digits",
            (Consumer<ObjectNode>) r -> MachineJsonTest.pci(r, 1).put("class", "0x000000020000")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("schemaOnly")
  void theSchemaRejects(String what, Consumer<ObjectNode> edit) throws Exception {
    String json =
        new String(MachineJsonTest.mutated("linux-6.12-acpi-smmuv3", edit), StandardCharsets.UTF_8);
    assertThat(errors(json)).as(what).isNotEmpty();
  }

  @Test
  void anErrorNamesTheInstanceLocation() throws Exception {
    String json =
        new String(
            MachineJsonTest.mutated(
                "linux-6.12-acpi-smmuv3",
                r -> MachineJsonTest.pci(r, 1).put("bdf", "0000:00:20.0")),
            StandardCharsets.UTF_8);
    assertThat(errors(json))
        .extracting(e -> e.getInstanceLocation().toString())
        .anySatisfy(l -> assertThat(l).contains("pci").contains("1").contains("bdf"));
  }
}
