package dev.iommufw.core;

import static com.google.common.base.Preconditions.checkNotNull;

import org.jspecify.annotations.Nullable;

/**
 * A typed IOMMU failure carrying the kernel error it stands for.
 *
 * <p>Thrown by {@link IommuOps} callbacks (for example {@code probe_device} rejecting a stream ID
 * with {@link Errno#ERANGE}) and by the core's fwspec helpers used by the firmware glue. A deferral
 * ({@link Errno#EPROBE_DEFER}) names the firmware node of the IOMMU the device waits for.
 */
public final class IommuException extends Exception {
  private static final long serialVersionUID = 1L;

  /** The kernel error. */
  private final Errno errno;

  /** For a deferral, the IOMMU waited for; not serialised. */
  private final transient @Nullable FwNode waitingFor;

  /**
   * Creates a failure.
   *
   * @param errno the kernel error
   * @param message what failed, and where
   */
  public IommuException(Errno errno, String message) {
    this(errno, message, null);
  }

  /**
   * Creates a failure that may name the IOMMU being waited for.
   *
   * @param errno the kernel error
   * @param message what failed, and where
   * @param waitingFor for {@link Errno#EPROBE_DEFER}: the IOMMU's firmware node, else null
   */
  public IommuException(Errno errno, String message, @Nullable FwNode waitingFor) {
    super(errno.name() + ": " + checkNotNull(message));
    this.errno = checkNotNull(errno);
    this.waitingFor = waitingFor;
  }

  /**
   * The kernel error this failure stands for.
   *
   * @return the error
   */
  public Errno errno() {
    return errno;
  }

  /**
   * For a deferral: the firmware node of the IOMMU instance that has not registered yet.
   *
   * @return the node, or null
   */
  public @Nullable FwNode waitingFor() {
    return waitingFor;
  }
}
