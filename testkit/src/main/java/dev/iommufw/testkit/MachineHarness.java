package dev.iommufw.testkit;

import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.util.concurrent.Uninterruptibles;
import dev.iommufw.core.Device;
import dev.iommufw.core.IommuBinding;
import dev.iommufw.core.IommuCore;
import dev.iommufw.core.IommuInstance;
import dev.iommufw.machine.BootEvent;
import dev.iommufw.machine.Machine;
import dev.iommufw.machine.MachineState;
import dev.iommufw.machine.MachineState.DeviceState;
import dev.iommufw.machine.MachineState.Result;
import dev.iommufw.machine.MachineSystem;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Boots a {@link Machine} with its events in any order — sequentially, or dealt to real threads —
 * and judges the end state against the machine's reference boot ({@link Machine#defaultBoot()} in
 * order). One implementation of the boot: every event runs through {@link
 * MachineSystem#run(BootEvent)}, so the harness checks exactly what the machine report shows.
 *
 * <h2>What is compared</h2>
 *
 * Per device: the result, the instance, the fwspec IDs (append order), the errno, and the installed
 * fwspec's flags. IOMMU groups are <b>not</b> compared: Linux forms a group at each bind from the
 * groups that exist then (see <a
 * href="{@docRoot}/dev/iommufw/core/doc-files/kernel-rules.html#groups">IOMMU groups</a>), so group
 * membership legitimately depends on bind order.
 *
 * <h2>Invariants checked after every run ({@link Outcome#violations()})</h2>
 *
 * <ul>
 *   <li>no device is bound to an instance that is not registered (a gone instance);
 *   <li>nothing leaked: fwspecs allocated = fwspecs freed + fwspecs installed in bound devices;
 *   <li>no device is left waiting for an IOMMU that is registered: after the threads joined, while
 *       every instance of the reference boot is registered, a device may only be waiting when the
 *       reference boot binds it without an IOMMU; after the final events, nothing waits;
 *   <li>no event threw.
 * </ul>
 */
public final class MachineHarness {
  private final Machine machine;
  private final MachineState reference;
  private final ImmutableMap<String, Integer> referenceFlags;
  private final ImmutableList<String> registering;

  private MachineHarness(Machine machine) {
    this.machine = machine;
    MachineSystem system = machine.newSystem();
    system.runAll(machine.defaultBoot());
    this.reference = system.endState();
    this.referenceFlags = flags(system);
    List<String> reg = new ArrayList<>();
    for (IommuInstance i : system.core().instances()) {
      reg.add(i.name());
    }
    this.registering = ImmutableList.copyOf(reg);
  }

  /**
   * A harness for a machine; boots the reference once.
   *
   * @param machine the machine
   * @return the harness
   */
  public static MachineHarness of(Machine machine) {
    return new MachineHarness(checkNotNull(machine));
  }

  /**
   * The machine.
   *
   * @return the machine
   */
  public Machine machine() {
    return machine;
  }

  /**
   * The end state of the reference boot.
   *
   * @return the state
   */
  public MachineState reference() {
    return reference;
  }

  /**
   * The outcome of one run.
   *
   * @param schedule what ran
   * @param state the end state
   * @param flags per bound device, its installed fwspec's flags
   * @param violations broken invariants (see the class comment), empty when all hold
   */
  public record Outcome(
      BootSchedule schedule,
      MachineState state,
      ImmutableMap<String, Integer> flags,
      ImmutableList<String> violations) {
    /**
     * Validates non-nullness.
     *
     * @param schedule the schedule
     * @param state the state
     * @param flags the flags
     * @param violations the violations
     */
    public Outcome {
      checkNotNull(schedule);
      checkNotNull(state);
      checkNotNull(flags);
      checkNotNull(violations);
    }
  }

  /**
   * Runs a schedule on a fresh system: its {@code first} events on the calling thread, then a
   * one-thread schedule on the calling thread, otherwise each part on its own thread, all released
   * together.
   *
   * @param schedule the schedule
   * @return the outcome
   * @throws IllegalArgumentException if an event names an unknown device or instance
   */
  public Outcome run(BootSchedule schedule) {
    MachineSystem system = machine.newSystem();
    List<String> violations = new ArrayList<>();
    system.runAll(schedule.first());
    if (schedule.threads().size() == 1) {
      system.runAll(schedule.threads().get(0));
    } else {
      runThreads(system, schedule.threads(), violations);
    }
    checkWaiting(system, violations, false);
    system.runAll(schedule.last());
    checkWaiting(system, violations, !schedule.last().isEmpty());
    checkBindings(system, violations);
    return new Outcome(
        schedule, system.endState(), flags(system), ImmutableList.copyOf(violations));
  }

  /**
   * The differences between an outcome and the reference boot, per device, as readable lines (empty
   * when they agree), followed by the outcome's violations.
   *
   * @param outcome an outcome of {@link #run}
   * @return the problems
   */
  public ImmutableList<String> problems(Outcome outcome) {
    ImmutableList.Builder<String> out = ImmutableList.builder();
    out.addAll(differences(reference, outcome.state()));
    for (DeviceState d : reference.devices()) {
      Integer want = referenceFlags.get(d.device());
      Integer got = outcome.flags().get(d.device());
      if (!Objects.equals(want, got)) {
        out.add(d.device() + ": flags " + want + " in the reference, " + got + " here");
      }
    }
    return out.addAll(outcome.violations()).build();
  }

  /**
   * Per device, where two states disagree in result, instance, IDs or errno (groups ignored).
   *
   * @param expected one state
   * @param actual another state of the same machine
   * @return one line per disagreeing device
   */
  public static ImmutableList<String> differences(MachineState expected, MachineState actual) {
    ImmutableList.Builder<String> out = ImmutableList.builder();
    for (DeviceState want : expected.devices()) {
      DeviceState got = actual.device(want.device());
      if (got == null) {
        out.add(want.device() + ": missing");
      } else if (want.result() != got.result()
          || !Objects.equals(want.iommu(), got.iommu())
          || !want.ids().equals(got.ids())
          || !Objects.equals(want.errno(), got.errno())) {
        out.add(want.device() + ": expected " + brief(want) + ", got " + brief(got));
      }
    }
    return out.build();
  }

  private static String brief(DeviceState d) {
    StringBuilder s = new StringBuilder(d.result().jsonName());
    if (d.iommu() != null) {
      s.append(' ').append(d.iommu());
    }
    if (!d.ids().isEmpty()) {
      s.append(' ').append(d.ids());
    }
    if (d.errno() != null) {
      s.append(' ').append(d.errno());
    }
    return s.toString();
  }

  private static void runThreads(
      MachineSystem system, List<? extends List<BootEvent>> parts, List<String> violations) {
    CyclicBarrier start = new CyclicBarrier(parts.size());
    AtomicInteger ready = new AtomicInteger();
    List<Thread> threads = new ArrayList<>();
    List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int i = 0; i < parts.size(); i++) {
      List<BootEvent> part = parts.get(i);
      int index = i;
      Thread t =
          new Thread(
              () -> {
                try {
                  ready.incrementAndGet();
                  start.await();
                  for (BootEvent e : part) {
                    system.run(e);
                  }
                } catch (Throwable e) { // a crash on a worker must fail the run, not vanish
                  failures.add("thread " + index + " threw " + e);
                }
              },
              "boot-" + i);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      Uninterruptibles.joinUninterruptibly(t);
    }
    violations.addAll(failures);
  }

  private void checkWaiting(MachineSystem system, List<String> violations, boolean ended) {
    IommuCore core = system.core();
    ImmutableList<Device> waiting = core.waitingDevices();
    if (ended) {
      for (Device d : waiting) {
        violations.add(d.name() + " still waits after the boot ended");
      }
      return;
    }
    List<String> registered = new ArrayList<>();
    for (IommuInstance i : core.instances()) {
      registered.add(i.name());
    }
    if (!registered.containsAll(registering)) {
      return;
    }
    for (Device d : waiting) {
      DeviceState ref = reference.device(d.name());
      if (ref != null && ref.result() != Result.NONE) {
        violations.add(
            d.name()
                + " waits although every instance is registered (reference: "
                + ref.result().jsonName()
                + ")");
      }
    }
  }

  private static void checkBindings(MachineSystem system, List<String> violations) {
    IommuCore core = system.core();
    long bound = 0;
    for (Device d : system.devices().values()) {
      IommuBinding b = d.iommuBinding().orElse(null);
      if (b != null) {
        bound++;
        if (!b.instance().isRegisteredIn(core)) {
          violations.add(
              d.name() + " is bound to " + b.instance().name() + ", which is not registered");
        }
      }
    }
    long live = core.fwspecsAllocated() - core.fwspecsFreed();
    if (live != bound) {
      violations.add(
          "fwspecs leaked: "
              + core.fwspecsAllocated()
              + " allocated, "
              + core.fwspecsFreed()
              + " freed, "
              + bound
              + " installed");
    }
  }

  private static ImmutableMap<String, Integer> flags(MachineSystem system) {
    Map<String, Integer> out = new LinkedHashMap<>();
    for (Map.Entry<String, Device> e : system.devices().entrySet()) {
      e.getValue().iommuBinding().ifPresent(b -> out.put(e.getKey(), b.flags()));
    }
    return ImmutableMap.copyOf(out);
  }
}
