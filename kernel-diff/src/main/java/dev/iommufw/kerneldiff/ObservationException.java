package dev.iommufw.kerneldiff;

/** A console log, topology or output directory that cannot be read, naming what and where. */
public final class ObservationException extends Exception {
  private static final long serialVersionUID = 1L;

  /**
   * An exception with a message.
   *
   * @param message what went wrong and where
   */
  public ObservationException(String message) {
    super(message);
  }

  /**
   * An exception with a message and a cause.
   *
   * @param message what went wrong and where
   * @param cause the cause
   */
  public ObservationException(String message, Throwable cause) {
    super(message, cause);
  }
}
