package dev.iommufw.kerneldiff;

import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * One guest boot's console output, split into the sections the guest's {@code /init} prints between
 * {@code KD-BEGIN} and {@code KD-END}: a line {@code KD-SECTION name} starts a section, and {@code
 * KD-SECTION file NAME gzip-base64} starts a firmware file dump.
 *
 * @param sections the text sections by name, each a list of lines
 * @param files the dumped firmware files by name ({@code fdt}, {@code IORT}, {@code VIOT})
 */
public record ConsoleLog(
    ImmutableMap<String, ImmutableList<String>> sections, ImmutableMap<String, byte[]> files) {

  private static final Pattern ANSI = Pattern.compile("\u001b\\[[0-9;=?]*[A-Za-z]");

  /**
   * Checks non-nullness.
   *
   * @param sections the sections
   * @param files the files
   */
  public ConsoleLog {
    checkNotNull(sections);
    checkNotNull(files);
  }

  /**
   * Splits a console log.
   *
   * @param text the whole console output of one boot
   * @return its sections
   * @throws ObservationException if the log has no {@code KD-BEGIN}/{@code KD-END} pair or a file
   *     dump does not decode
   */
  public static ConsoleLog parse(String text) throws ObservationException {
    // UEFI leaves terminal escape sequences in front of the first line the guest prints
    String[] lines = ANSI.matcher(text.replace("\r", "")).replaceAll("").split("\n", -1);
    int begin = -1;
    int end = -1;
    for (int i = 0; i < lines.length; i++) {
      if (begin < 0 && lines[i].equals("KD-BEGIN")) {
        begin = i;
      } else if (begin >= 0 && lines[i].equals("KD-END")) {
        end = i;
        break;
      }
    }
    if (begin < 0) {
      throw new ObservationException("console log: no KD-BEGIN line (the guest's /init never ran)");
    }
    if (end < 0) {
      throw new ObservationException(
          "console log: no KD-END line after line "
              + (begin + 1)
              + " (the boot timed out or crashed)");
    }
    Map<String, List<String>> sections = new LinkedHashMap<>();
    Map<String, byte[]> files = new LinkedHashMap<>();
    String current = "preamble";
    List<String> body = new ArrayList<>();
    for (int i = begin + 1; i <= end; i++) {
      String line = lines[i];
      if (line.startsWith("KD-SECTION ") || i == end) {
        close(current, body, sections, files, i);
        if (i == end) {
          break;
        }
        current = line.substring("KD-SECTION ".length()).trim();
        body = new ArrayList<>();
      } else {
        body.add(line);
      }
    }
    ImmutableMap.Builder<String, ImmutableList<String>> s = ImmutableMap.builder();
    sections.forEach((k, v) -> s.put(k, ImmutableList.copyOf(v)));
    return new ConsoleLog(s.buildKeepingLast(), ImmutableMap.copyOf(files));
  }

  private static void close(
      String name,
      List<String> body,
      Map<String, List<String>> sections,
      Map<String, byte[]> files,
      int line)
      throws ObservationException {
    if (!name.startsWith("file ")) {
      sections.put(name, body);
      return;
    }
    String[] words = name.split(" ", -1);
    if (words.length < 2) {
      throw new ObservationException("console log line " + line + ": file section without a name");
    }
    String encoded = String.join("", body).trim();
    byte[] raw;
    try {
      raw = Base64.getMimeDecoder().decode(encoded);
    } catch (IllegalArgumentException e) {
      throw new ObservationException(
          "console log: file " + words[1] + " is not base64: " + e.getMessage(), e);
    }
    if (words.length > 2 && words[2].startsWith("gzip")) {
      try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(raw))) {
        raw = in.readAllBytes();
      } catch (IOException e) {
        throw new ObservationException(
            "console log: file " + words[1] + " is not gzip: " + e.getMessage(), e);
      }
    }
    files.put(words[1], raw);
  }

  /**
   * A section's lines.
   *
   * @param name the section name
   * @return its lines, empty when the guest printed no such section
   */
  public ImmutableList<String> section(String name) {
    ImmutableList<String> s = sections.get(name);
    return s == null ? ImmutableList.of() : s;
  }
}
