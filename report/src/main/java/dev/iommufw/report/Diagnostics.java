package dev.iommufw.report;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * The one-line causes the tool writes to standard error: {@code fwspec-report: FILE: CODE:
 * MESSAGE}, where CODE is the error category of the standard-output line ({@code truncated}, {@code
 * bad-machine}, …), {@code io-error} for a file that cannot be read or written, or {@code
 * internal-error} for a bug in the tool.
 */
final class Diagnostics {
  static final String PREFIX = "fwspec-report: ";

  private final PrintStream err;
  private final boolean debug;

  Diagnostics(PrintStream err, boolean debug) {
    this.err = err;
    this.debug = debug;
  }

  /** Writes {@code fwspec-report: FILE: CODE: MESSAGE} as one line. */
  synchronized void cause(Object file, String code, String message) {
    err.println(line(file, code, message));
    err.flush();
  }

  /** The line {@link #cause} writes, without its newline. */
  static String line(Object file, String code, String message) {
    return oneLine(PREFIX + file + ": " + code + ": " + message);
  }

  /**
   * Reports a bug inside the tool while it handled {@code file}: one line, and the stack trace only
   * when {@code --debug} asked for it.
   */
  synchronized void internal(Object file, Throwable bug) {
    err.println(internalLine(file, bug));
    if (debug) {
      StringWriter trace = new StringWriter();
      bug.printStackTrace(new PrintWriter(trace));
      err.print(trace);
    }
    err.flush();
  }

  static String internalLine(Object file, Throwable bug) {
    return line(file, "internal-error", bug.toString())
        + " (a bug in fwspec-report, not bad input; --debug prints the stack trace)";
  }

  /** The reason of an I/O failure in words, without repeating the path. */
  static String reason(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file or directory";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof NotDirectoryException) {
      return "not a directory";
    }
    if (e instanceof FileSystemException fse && fse.getReason() != null) {
      return String.valueOf(fse.getReason());
    }
    String message = e.getMessage();
    return message == null ? e.getClass().getSimpleName() : message;
  }

  /** Collapses line breaks and other control characters, so that a cause stays one line. */
  static String oneLine(String text) {
    StringBuilder b = new StringBuilder(text.length());
    boolean space = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        if (!space) {
          b.append(' ');
          space = true;
        }
      } else {
        b.append(c);
        space = c == ' ';
      }
    }
    return b.toString().strip();
  }
}
