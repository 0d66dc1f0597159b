package dev.iommufw.testkit;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.collect.ImmutableList;
import dev.iommufw.machine.BootEvent;
import java.util.List;

/**
 * An order of boot events: one or more lists run concurrently (each on its own thread, started
 * together), then {@code last} run on the calling thread once every thread finished. With one
 * thread the schedule is a plain sequence.
 *
 * @param threads the concurrent parts, at least one (an empty part is a thread that does nothing)
 * @param last the events run after all threads joined (typically the deferred-probe timeout)
 */
public record BootSchedule(
    ImmutableList<ImmutableList<BootEvent>> threads, ImmutableList<BootEvent> last) {
  /**
   * Validates the shape.
   *
   * @param threads the concurrent parts
   * @param last the final events
   * @throws IllegalArgumentException if there is no thread
   */
  public BootSchedule {
    checkArgument(!threads.isEmpty(), "a schedule needs a thread");
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
   * Every event, thread by thread, then {@code last}.
   *
   * @return the events
   */
  public ImmutableList<BootEvent> events() {
    ImmutableList.Builder<BootEvent> out = ImmutableList.builder();
    threads.forEach(out::addAll);
    return out.addAll(last).build();
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < threads.size(); i++) {
      s.append(threads.size() == 1 ? "" : "thread " + i + ": ").append(threads.get(i))
          .append('\n');
    }
    if (!last.isEmpty()) {
      s.append("then: ").append(last).append('\n');
    }
    return s.toString();
  }
}
