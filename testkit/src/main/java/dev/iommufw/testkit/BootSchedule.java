package dev.iommufw.testkit;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableList;
import dev.iommufw.machine.BootEvent;
import java.util.List;

/**
 * An order of boot events: {@code first} run on the calling thread, then one or more lists run
 * concurrently (each on its own thread, started together), then {@code last} run on the calling
 * thread once every thread finished. With one thread the schedule is a plain sequence.
 *
 * @param first the events run before the threads start (from Linux 6.15 on, the device adds: a
 *     registration probes the devices present, so whether a device exists when an instance
 *     registers is an input of the boot, not an order to permute)
 * @param threads the concurrent parts, at least one (an empty part is a thread that does nothing)
 * @param last the events run after all threads joined (typically the deferred-probe timeout)
 */
public record BootSchedule(
    ImmutableList<BootEvent> first,
    ImmutableList<ImmutableList<BootEvent>> threads,
    ImmutableList<BootEvent> last) {
  /**
   * Validates the shape.
   *
   * @param first the events run first
   * @param threads the concurrent parts
   * @param last the final events
   * @throws IllegalArgumentException if there is no thread
   */
  public BootSchedule {
    checkNotNull(first);
    checkArgument(!threads.isEmpty(), "a schedule needs a thread");
    checkNotNull(last);
  }

  /**
   * A schedule with nothing run before the threads.
   *
   * @param threads the concurrent parts, at least one
   * @param last the events run after all threads joined
   * @throws IllegalArgumentException if there is no thread
   */
  public BootSchedule(
      ImmutableList<ImmutableList<BootEvent>> threads, ImmutableList<BootEvent> last) {
    this(ImmutableList.of(), threads, last);
  }

  /**
   * A sequential schedule.
   *
   * @param events the events, in order
   * @return the schedule with one thread and nothing after it
   */
  public static BootSchedule sequential(List<BootEvent> events) {
    return new BootSchedule(ImmutableList.of(ImmutableList.copyOf(events)), ImmutableList.of());
  }

  /**
   * Every event: {@code first}, the threads' thread by thread, then {@code last}.
   *
   * @return the events
   */
  public ImmutableList<BootEvent> events() {
    ImmutableList.Builder<BootEvent> out = ImmutableList.builder();
    out.addAll(first);
    threads.forEach(out::addAll);
    return out.addAll(last).build();
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder();
    if (!first.isEmpty()) {
      s.append("first: ").append(first).append('\n');
    }
    for (int i = 0; i < threads.size(); i++) {
      s.append(threads.size() == 1 ? "" : "thread " + i + ": ").append(threads.get(i)).append('\n');
    }
    if (!last.isEmpty()) {
      s.append("then: ").append(last).append('\n');
    }
    return s.toString();
  }
}
