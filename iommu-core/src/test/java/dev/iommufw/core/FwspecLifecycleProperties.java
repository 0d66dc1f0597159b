package dev.iommufw.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import com.google.common.collect.ImmutableList;
import dev.iommufw.core.testing.StandInDriver;
import dev.iommufw.core.testing.Tries;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * Stateful property test of the fwspec ownership state machine (kernel-model.md §4): random
 * sequences of device additions, fwspec hand-offs, deallocations, configurations with deferral,
 * instance registrations and unregistrations, probes, releases and removals run against a fresh
 * {@link IommuCore} and, in lock step, against a small reference model. After every step the
 * invariants of §4 are checked; at the end everything is torn down and every fwspec allocated must
 * have been freed exactly once.
 *
 * <p>The number of examples is {@value #DEFAULT_EXAMPLES} times {@link Tries#factor()} (the
 * multiplier {@code -Diommufw.tries}).
 */
class FwspecLifecycleProperties {
  static final int DEFAULT_EXAMPLES = 1500;
  private static final int MAX_DEVICES = 5;

  /** IDs the drivers reject in {@code probe_device} with ERANGE. */
  private static final int REJECTED_ID = 13;

  /** IDs that make a driver's {@code probe_device} throw a RuntimeException. */
  private static final int CRASHING_ID = 14;

  enum Kind {
    ADD_DEVICE,
    HAND_OFF,
    CONFIGURE,
    BUILD_AND_DEALLOC,
    REGISTER,
    UNREGISTER,
    PROBE,
    RELEASE,
    REMOVE
  }

  /**
   * One generated step. {@code target} picks a live device or an instance; {@code first} and {@code
   * second} pick the firmware nodes of the first and (if {@code second < 3}) second IOMMU entry;
   * {@code ids} are split between the entries.
   */
  record Action(Kind kind, int target, int first, int second, ImmutableList<Integer> ids) {
    @Override
    public String toString() {
      return switch (kind) {
        case ADD_DEVICE -> "add";
        case REGISTER, UNREGISTER -> kind + "(I" + target % 4 + ")";
        case PROBE, RELEASE, REMOVE -> kind + "(d#" + target + ")";
        case BUILD_AND_DEALLOC -> kind + String.valueOf(ids);
        case HAND_OFF, CONFIGURE ->
            kind
                + "(d#"
                + target
                + ", N"
                + first
                + (second < 3 ? "+N" + second : "")
                + ", "
                + ids
                + ")";
      };
    }
  }

  private static Gen<Action> actions() {
    Gen<Kind> kinds =
        integers()
            .between(0, 99)
            .map(
                p ->
                    p < 10
                        ? Kind.ADD_DEVICE
                        : p < 28
                            ? Kind.HAND_OFF
                            : p < 42
                                ? Kind.CONFIGURE
                                : p < 47
                                    ? Kind.BUILD_AND_DEALLOC
                                    : p < 62
                                        ? Kind.REGISTER
                                        : p < 72
                                            ? Kind.UNREGISTER
                                            : p < 80
                                                ? Kind.PROBE
                                                : p < 90 ? Kind.RELEASE : Kind.REMOVE);
    Gen<ImmutableList<Integer>> ids =
        lists().of(integers().between(0, 24)).ofSizeBetween(0, 5).map(ImmutableList::copyOf);
    return kinds.zip(
        integers().between(0, 7),
        integers().between(0, 2),
        integers().between(0, 5),
        ids,
        Action::new);
  }

  /** How often each interesting outcome occurred over all examples (to show coverage). */
  private static final java.util.TreeMap<String, Integer> STATS = new java.util.TreeMap<>();

  private static void count(String outcome) {
    STATS.merge(outcome, 1, Integer::sum);
  }

  @Test
  void everyFwspecEndsFreedExactlyOnceAndBindingsMatchTheModel() {
    int examples = Tries.scaled(DEFAULT_EXAMPLES);
    long start = System.nanoTime();
    qt().withExamples(examples)
        .forAll(lists().of(actions()).ofSizeBetween(1, 40))
        .checkAssert(
            seq -> {
              try {
                new Run().run(seq);
              } catch (AssertionError e) {
                throw new AssertionError("sequence " + seq + ": " + e.getMessage(), e);
              }
            });
    System.out.printf(
        "FwspecLifecycleProperties: %d examples (sequences of 1-40 actions) in %d ms%n",
        examples, (System.nanoTime() - start) / 1_000_000);
    System.out.println("FwspecLifecycleProperties outcomes: " + STATS);
    assertThat(STATS.keySet())
        .as("the generator reaches every outcome")
        .contains(
            "handoff:bound",
            "handoff:already",
            "handoff:failed",
            "handoff:crash",
            "handoff:EPROBE_DEFER",
            "handoff:EINVAL",
            "configure:deferred",
            "configure:bound",
            "retry:bound",
            "nodeless-walk:bound",
            "unregister:released");
  }

  // ==============================================================================================

  /** One example: the real system, the model, and the bookkeeping that links them. */
  private static final class Run {
    final IommuCore core = new IommuCore();
    final StandInDriver driverA = StandInDriver.create("A");
    final StandInDriver driverB = StandInDriver.create("B");
    final StandInDriver driverC = StandInDriver.create("C-bus");
    final FwNode[] nodes = {FwNode.create("N0"), FwNode.create("N1"), FwNode.create("N2")};

    /** I0: A on N0; I1: A on N1; I2: B on N0 (same node, other driver); I3: C, nodeless. */
    final IommuInstance[] instances = {
      driverA.newInstance("I0", nodes[0]),
      driverA.newInstance("I1", nodes[1]),
      driverB.newInstance("I2", nodes[0]),
      driverC.newInstance("I3", null),
    };

    // ---- model ----
    final List<IommuInstance> registered = new ArrayList<>();
    final List<Device> live = new ArrayList<>();
    final List<Device> all = new ArrayList<>();
    final IdentityHashMap<Device, ModelDevice> model = new IdentityHashMap<>();
    // ---- bookkeeping ----
    final List<IommuFwspec> created = new ArrayList<>();

    static final class ModelDevice {
      @Nullable IommuInstance boundTo;
      ImmutableList<Integer> ids = ImmutableList.of();
      @Nullable IommuFwspec installed;
      @Nullable FwNode waitingFor;
      @Nullable Action description;
    }

    Run() {
      for (StandInDriver d : List.of(driverA, driverB)) {
        d.rejectInProbe.add(REJECTED_ID);
        d.probeHook =
            ctx -> {
              IommuFwspec f = ctx.fwspec();
              if (f != null && f.ids().contains(CRASHING_ID)) {
                throw new StandInDriver.DriverBug("crash on " + ctx.device());
              }
            };
      }
      driverA.setPriv = true;
      driverA.busyIfPrivSet = true; // stale priv from an earlier failure would show as EBUSY
    }

    void run(List<Action> seq) {
      for (Action a : seq) {
        step(a);
        checkInvariants(a);
      }
      // Tear down: remove every device, unregister every instance; nothing may be left.
      for (Device d : new ArrayList<>(live)) {
        core.removeDevice(d);
        modelUnbind(d);
        live.remove(d);
      }
      for (IommuInstance i : new ArrayList<>(registered)) {
        core.unregisterInstance(i);
        registered.remove(i);
      }
      checkInvariants(null);
      assertThat(core.fwspecsFreed()).isEqualTo(core.fwspecsAllocated());
      assertThat(core.fwspecsAllocated()).isEqualTo(created.size());
      for (IommuFwspec f : created) {
        assertThat(f.state()).isEqualTo(FwspecState.FREED);
      }
      assertThat(core.instances()).isEmpty();
      assertThat(core.waitingDevices()).isEmpty();
    }

    private @Nullable Device pick(int target) {
      return live.isEmpty() ? null : live.get(target % live.size());
    }

    private void step(Action a) {
      switch (a.kind()) {
        case ADD_DEVICE -> addDevice();
        case HAND_OFF -> {
          Device d = pick(a.target());
          if (d != null) {
            handOff(d, a);
          }
        }
        case CONFIGURE -> {
          Device d = pick(a.target());
          if (d != null) {
            configure(d, a);
          }
        }
        case BUILD_AND_DEALLOC -> {
          IommuFwspec f = alloc();
          f.appendIds(toInts(a.ids()));
          f.dealloc();
        }
        case REGISTER -> register(instances[a.target() % 4]);
        case UNREGISTER -> unregister(instances[a.target() % 4]);
        case PROBE -> {
          Device d = pick(a.target());
          if (d != null) {
            probe(d);
          }
        }
        case RELEASE -> {
          Device d = pick(a.target());
          if (d != null) {
            core.releaseDevice(d);
            modelUnbind(d);
          }
        }
        case REMOVE -> {
          Device d = pick(a.target());
          if (d != null) {
            core.removeDevice(d);
            modelUnbind(d);
            model(d).waitingFor = null;
            live.remove(d);
          }
        }
      }
    }

    // ---- actions -------------------------------------------------------------------------------

    private IommuFwspec alloc() {
      IommuFwspec f = core.allocFwspec();
      created.add(f);
      return f;
    }

    private void addDevice() {
      if (all.size() >= MAX_DEVICES) {
        return;
      }
      Device d =
          Device.builder("d" + all.size(), BusKind.PLATFORM)
              .dmaConfigureStep((c, dev) -> glue(dev))
              .build();
      all.add(d);
      live.add(d);
      model.put(d, new ModelDevice());
      core.addDevice(d);
      IommuInstance bus = nodelessRegistered();
      if (bus != null) {
        assertThat(d.iommuBinding().orElseThrow().instance()).isSameAs(bus);
        modelBind(d, bus, ImmutableList.of(), null);
      } else {
        assertThat(d.isIommuMapped()).isFalse();
      }
    }

    /** What the model expects from building a fwspec for {@code a}: an error, or the instance. */
    private record Expect(
        @Nullable Errno error, @Nullable FwNode waitFor, @Nullable IommuInstance instance) {}

    private Expect expectAssign(Action a) {
      IommuInstance first = firstRegistered(nodes[a.first()]);
      if (first == null) {
        return new Expect(Errno.EPROBE_DEFER, nodes[a.first()], null);
      }
      if (a.second() < 3) {
        IommuInstance second = firstRegistered(nodes[a.second()]);
        if (second == null) {
          return new Expect(Errno.EPROBE_DEFER, nodes[a.second()], null);
        }
        if (second.ops() != first.ops()) {
          return new Expect(Errno.EINVAL, null, null);
        }
      }
      return new Expect(null, null, first);
    }

    /** Builds the fwspec of {@code a} the redesigned way; on an assign error it is deallocated. */
    private IommuFwspec buildOrThrow(Device d, Action a) throws IommuException {
      IommuFwspec f = alloc();
      List<Integer> ids = a.ids();
      int split = a.second() < 3 ? ids.size() / 2 : ids.size();
      try {
        core.fwspecAssignIommu(f, d, nodes[a.first()]);
        f.appendIds(toInts(ids.subList(0, split)));
        if (a.second() < 3) {
          core.fwspecAssignIommu(f, d, nodes[a.second()]);
          f.appendIds(toInts(ids.subList(split, ids.size())));
        }
      } catch (IommuException e) {
        f.dealloc();
        throw e;
      }
      return f;
    }

    private void handOff(Device d, Action a) {
      Expect expect = expectAssign(a);
      IommuFwspec f;
      try {
        f = buildOrThrow(d, a);
      } catch (IommuException e) {
        assertThat(e.errno()).isEqualTo(expect.error());
        assertThat(e.waitingFor()).isSameAs(expect.waitFor());
        count("handoff:" + e.errno());
        return;
      }
      assertThat(expect.error()).as("model expected an error").isNull();
      ProbeResult r;
      try {
        r = core.probeDevice(d, f);
      } catch (StandInDriver.DriverBug bug) {
        assertThat(f.state()).isEqualTo(FwspecState.FREED);
        expectProbeOutcome(d, a, expect, "crash");
        return;
      }
      assertThat(f.state()).isNotEqualTo(FwspecState.BUILDING);
      String outcome =
          r instanceof ProbeResult.Bound
              ? "bound"
              : r instanceof ProbeResult.AlreadyBound
                  ? "already"
                  : r instanceof ProbeResult.Failed ? "failed" : "none";
      expectProbeOutcome(d, a, expect, outcome);
      if (outcome.equals("bound")) {
        model(d).installed = f;
        assertThat(f.state()).isEqualTo(FwspecState.INSTALLED);
      } else {
        assertThat(f.state()).isEqualTo(FwspecState.FREED);
      }
    }

    /** Checks the probe outcome against the model and updates the model. */
    private void expectProbeOutcome(Device d, Action a, Expect expect, String outcome) {
      ModelDevice m = model(d);
      IommuInstance inst = Objects.requireNonNull(expect.instance());
      String expected;
      if (m.boundTo != null) {
        expected = "already";
      } else if (a.ids().contains(CRASHING_ID)) {
        expected = "crash"; // the crash hook runs before the driver checks IDs
      } else if (a.ids().contains(REJECTED_ID)) {
        expected = "failed";
      } else {
        expected = "bound";
      }
      assertThat(outcome).as("probe outcome for %s", a).isEqualTo(expected);
      count("handoff:" + outcome);
      if (expected.equals("bound")) {
        modelBind(d, inst, a.ids(), null);
      }
    }

    /** The devices' configure step: the same build, through {@link IommuCore#dmaConfigure}. */
    private DmaConfigureResult glue(Device d) {
      Action a = Objects.requireNonNull(model(d).description);
      DmaConfigureResult result;
      IommuFwspec f = null;
      try {
        f = buildOrThrow(d, a);
        ProbeResult r = core.probeDevice(d, f);
        result = TestGlue.toConfigureResult(r, nodes[a.first()]);
      } catch (IommuException e) {
        result = TestGlue.fromException(e);
      } catch (StandInDriver.DriverBug bug) {
        result = new DmaConfigureResult.NoIommu("driver crashed");
      }
      lastResult.put(d, result);
      if (f != null && f.state() == FwspecState.INSTALLED) {
        lastInstalled.put(d, f);
      }
      return result;
    }

    /** What the configure step last returned per device, and the fwspec it installed. */
    private final IdentityHashMap<Device, DmaConfigureResult> lastResult = new IdentityHashMap<>();

    private final IdentityHashMap<Device, IommuFwspec> lastInstalled = new IdentityHashMap<>();

    private void configure(Device d, Action a) {
      model(d).description = a;
      lastResult.clear();
      lastInstalled.clear();
      DmaConfigureResult r = core.dmaConfigure(d);
      assertThat(lastResult.get(d)).isEqualTo(r);
      modelConfigure(d, r);
    }

    /** Applies a configure of {@code d} (with its current description) to the model. */
    private void modelConfigure(Device d, DmaConfigureResult actual) {
      modelConfigure(d, actual, "configure");
    }

    private void modelConfigure(Device d, DmaConfigureResult actual, String how) {
      count(
          how
              + ":"
              + (actual instanceof DmaConfigureResult.Configured
                  ? "bound"
                  : actual instanceof DmaConfigureResult.Deferred
                      ? "deferred"
                      : String.valueOf(actual.errno())));
      ModelDevice m = model(d);
      Action a = Objects.requireNonNull(m.description);
      Expect expect = expectAssign(a);
      m.waitingFor = null;
      if (expect.error() == Errno.EPROBE_DEFER) {
        assertThat(actual)
            .isEqualTo(new DmaConfigureResult.Deferred(Objects.requireNonNull(expect.waitFor())));
        m.waitingFor = expect.waitFor();
        return;
      }
      if (expect.error() != null) {
        assertThat(actual.errno()).isEqualTo(expect.error());
        return;
      }
      boolean wasBound = m.boundTo != null;
      IommuInstance inst = Objects.requireNonNull(expect.instance());
      if (wasBound) {
        assertThat(actual).isInstanceOf(DmaConfigureResult.Configured.class);
      } else if (a.ids().contains(CRASHING_ID)) {
        assertThat(actual).isInstanceOf(DmaConfigureResult.NoIommu.class);
      } else if (a.ids().contains(REJECTED_ID)) {
        assertThat(actual.errno()).isEqualTo(Errno.ERANGE);
      } else {
        assertThat(actual).isInstanceOf(DmaConfigureResult.Configured.class);
        modelBind(d, inst, a.ids(), Objects.requireNonNull(lastInstalled.get(d)));
      }
    }

    private void register(IommuInstance i) {
      if (registered.contains(i)) {
        assertThatThrownBy(() -> core.registerInstance(i))
            .isInstanceOf(IllegalStateException.class);
        return;
      }
      // the model's view of who is retried, before the real registration runs
      List<Device> retried = new ArrayList<>();
      FwNode node = i.fwNode();
      for (Device d : live) {
        if (node != null && model(d).waitingFor == node) {
          retried.add(d);
        }
      }
      lastResult.clear();
      lastInstalled.clear();
      try {
        core.registerInstance(i);
      } catch (IommuException e) {
        throw new AssertionError("registration failed", e);
      }
      registered.add(i);
      if (node == null) {
        for (Device d : live) {
          if (model(d).boundTo == null) {
            modelBind(d, i, ImmutableList.of(), null);
            count("nodeless-walk:bound");
          }
        }
        return;
      }
      assertThat(lastResult.keySet())
          .as("devices retried")
          .containsExactlyInAnyOrderElementsOf(retried);
      for (Device d : retried) {
        modelConfigure(d, Objects.requireNonNull(lastResult.get(d)), "retry");
      }
    }

    private void unregister(IommuInstance i) {
      if (!registered.contains(i)) {
        assertThatThrownBy(() -> core.unregisterInstance(i))
            .isInstanceOf(IllegalStateException.class);
        return;
      }
      core.unregisterInstance(i);
      registered.remove(i);
      for (Device d : all) {
        if (model(d).boundTo == i) {
          count("unregister:released");
          modelUnbind(d);
        }
      }
    }

    private void probe(Device d) {
      ProbeResult r = core.probeDevice(d);
      ModelDevice m = model(d);
      IommuInstance bus = nodelessRegistered();
      if (m.boundTo != null) {
        assertThat(r).isInstanceOf(ProbeResult.AlreadyBound.class);
      } else if (bus != null) {
        assertThat(r).isInstanceOf(ProbeResult.Bound.class);
        modelBind(d, bus, ImmutableList.of(), null);
      } else {
        assertThat(r).isInstanceOf(ProbeResult.NoIommu.class);
      }
    }

    // ---- model helpers -------------------------------------------------------------------------

    private ModelDevice model(Device d) {
      return Objects.requireNonNull(model.get(d));
    }

    private @Nullable IommuInstance firstRegistered(FwNode node) {
      for (IommuInstance i : registered) {
        if (i.fwNode() == node) {
          return i;
        }
      }
      return null;
    }

    private @Nullable IommuInstance nodelessRegistered() {
      for (IommuInstance i : registered) {
        if (i.fwNode() == null) {
          return i;
        }
      }
      return null;
    }

    private void modelBind(
        Device d, IommuInstance i, ImmutableList<Integer> ids, @Nullable IommuFwspec installed) {
      ModelDevice m = model(d);
      m.boundTo = i;
      m.ids = ids;
      if (installed != null) {
        m.installed = installed;
      }
    }

    private void modelUnbind(Device d) {
      ModelDevice m = model(d);
      IommuFwspec f = m.installed;
      if (f != null) {
        assertThat(f.state()).as("fwspec of %s after release", d).isEqualTo(FwspecState.FREED);
      }
      m.boundTo = null;
      m.ids = ImmutableList.of();
      m.installed = null;
    }

    // ---- invariants ----------------------------------------------------------------------------

    private void checkInvariants(@Nullable Action after) {
      String where = "after " + after;
      // 1. Every fwspec is in exactly one state, and none stays BUILDING past the action.
      int installed = 0;
      IdentityHashMap<IommuFwspec, Device> installedIn = new IdentityHashMap<>();
      for (Device d : all) {
        IommuFwspec f = model(d).installed;
        if (f != null) {
          assertThat(installedIn.put(f, d))
              .as("%s: fwspec installed in two devices", where)
              .isNull();
        }
      }
      for (IommuFwspec f : created) {
        FwspecState s = f.state();
        assertThat(s).as(where).isNotEqualTo(FwspecState.BUILDING);
        if (s == FwspecState.INSTALLED) {
          installed++;
          // 2. An INSTALLED fwspec is installed in exactly one device, whose binding shows its IDs.
          Device owner = installedIn.get(f);
          assertThat(owner).as("%s: INSTALLED fwspec %s in no device", where, f).isNotNull();
          IommuBinding b = Objects.requireNonNull(owner).iommuBinding().orElseThrow();
          assertThat(b.ids()).as(where).isEqualTo(f.ids());
        }
      }
      assertThat(installedIn).as(where).hasSize(installed);
      // 3. Nothing leaked and nothing freed twice: allocated - freed == installed.
      assertThat(core.fwspecsAllocated() - core.fwspecsFreed()).as(where).isEqualTo(installed);
      // 4. Bindings match the model and never name an unregistered instance.
      for (Device d : all) {
        ModelDevice m = model(d);
        IommuBinding b = d.iommuBinding().orElse(null);
        if (m.boundTo == null) {
          assertThat(b).as("%s: %s should be unbound", where, d).isNull();
          continue;
        }
        assertThat(b).as("%s: %s should be bound to %s", where, d, m.boundTo).isNotNull();
        IommuBinding binding = Objects.requireNonNull(b);
        assertThat(binding.instance()).as(where).isSameAs(m.boundTo);
        assertThat(binding.instance().isRegisteredIn(core)).as(where).isTrue();
        assertThat(binding.ids().asList()).as(where).isEqualTo(m.ids);
        assertThat(binding.group().members()).as(where).containsExactly(d);
      }
      // 5. Registry and waiting index match the model.
      assertThat(core.instances()).as(where).containsExactlyElementsOf(registered);
      Set<Device> waiting = new LinkedHashSet<>();
      for (Device d : live) {
        if (model(d).waitingFor != null) {
          waiting.add(d);
        }
      }
      assertThat(core.waitingDevices()).as(where).containsExactlyInAnyOrderElementsOf(waiting);
      assertThat(core.devices()).as(where).containsExactlyElementsOf(live);
      assertThat(core.holdsProbeLock()).isFalse();
    }
  }

  private static int[] toInts(List<Integer> ids) {
    return ids.stream().mapToInt(Integer::intValue).toArray();
  }
}
