package dev.iommufw.report;

import java.io.PrintStream;

/**
 * A progress line on standard error for long batches, redrawn in place ({@code \r}) at most every
 * so often, and only when standard error is a terminal: {@code fwspec-report: [57/198] FILE}.
 */
final class Progress {
  /** Batches shorter than this draw no progress line. */
  static final int MIN_FILES = 20;

  private static final int MAX_NAME = 60;

  private final PrintStream err;
  private final boolean enabled;
  private final int total;
  private final long intervalNanos;
  private int done;
  private long last;
  private int drawn;

  Progress(PrintStream err, boolean terminal, int total, long intervalNanos) {
    this.err = err;
    this.enabled = terminal && total >= MIN_FILES;
    this.total = total;
    this.intervalNanos = intervalNanos;
    this.last = System.nanoTime() - intervalNanos;
  }

  /** Counts one input as done; redraws the line when it is time. */
  synchronized void step(Object name) {
    done++;
    if (!enabled) {
      return;
    }
    long now = System.nanoTime();
    if (now - last < intervalNanos && done < total) {
      return;
    }
    last = now;
    String text = name.toString();
    if (text.length() > MAX_NAME) {
      text = "..." + text.substring(text.length() - MAX_NAME + 3);
    }
    String line = Diagnostics.PREFIX + "[" + done + "/" + total + "] " + text;
    err.print("\r" + line + " ".repeat(Math.max(0, drawn - line.length())));
    err.flush();
    drawn = line.length();
  }

  /** Erases the progress line, before a diagnostic or at the end. */
  synchronized void clear() {
    if (drawn > 0) {
      err.print("\r" + " ".repeat(drawn) + "\r");
      err.flush();
      drawn = 0;
    }
  }
}
