package dev.iommufw.kerneldiff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class ConsoleLogTest {
  @Test
  void splitsSectionsBetweenTheMarkersAndIgnoresKernelNoiseAround() throws Exception {
    String log =
        """
        [    1.0] booting
        KD-BEGIN
        KD-SECTION iommus
        smmu3.0x1
        KD-SECTION groups
        0 0000:00:01.0\s
        KD-END
        [    9.9] reboot: Power down
        """;

    ConsoleLog c = ConsoleLog.parse(log);

    assertThat(c.section("iommus")).containsExactly("smmu3.0x1");
    assertThat(c.section("groups")).containsExactly("0 0000:00:01.0 ");
    assertThat(c.section("absent")).isEmpty();
  }

  @Test
  void findsTheBeginMarkerBehindTheTerminalEscapesUefiLeavesOnItsLine() throws Exception {
    String esc = String.valueOf((char) 27);
    String log =
        String.join(
            "\r\n",
            "UEFI firmware",
            esc + "[2J" + esc + "[01;01H" + esc + "[=3hKD-BEGIN",
            "KD-SECTION uname",
            "6.12.117+deb13-arm64",
            "KD-END",
            "");

    ConsoleLog c = ConsoleLog.parse(log);

    assertThat(c.section("uname")).containsExactly("6.12.117+deb13-arm64");
  }

  @Test
  void decodesGzippedBase64FileDumps() throws Exception {
    byte[] payload = "IORT and some bytes\0\1\2".getBytes(StandardCharsets.ISO_8859_1);
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      out.write(payload);
    }
    String b64 = Base64.getMimeEncoder(76, new byte[] {'\n'}).encodeToString(gz.toByteArray());
    String log = "KD-BEGIN\nKD-SECTION file IORT gzip-base64\n" + b64 + "\nKD-END\n";

    ConsoleLog c = ConsoleLog.parse(log);

    assertThat(c.files().get("IORT")).isEqualTo(payload);
  }

  @Test
  void aBootThatNeverReachedTheEndMarkerIsRejectedWithWhere() {
    assertThatThrownBy(() -> ConsoleLog.parse("KD-BEGIN\nKD-SECTION pci\ndev x\n"))
        .isInstanceOf(ObservationException.class)
        .hasMessageContaining("no KD-END");
    assertThatThrownBy(() -> ConsoleLog.parse("[ 0.0] Kernel panic\n"))
        .isInstanceOf(ObservationException.class)
        .hasMessageContaining("no KD-BEGIN");
  }

  @Test
  void aFileDumpThatIsNotBase64IsRejectedNamingTheFile() {
    assertThatThrownBy(
            () ->
                ConsoleLog.parse(
                    """
        KD-BEGIN
        KD-SECTION file fdt gzip-base64
        @@@@
        KD-END
        """))
        .isInstanceOf(ObservationException.class)
        .hasMessageContaining("file fdt");
  }
}
