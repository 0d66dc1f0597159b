package dev.iommufw.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import com.google.common.collect.ImmutableList;
import dev.iommufw.core.testing.StandInDriver;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Lifecycle properties over both {@link ProbeFlow}s: random sequences of device additions, driver
 * binds (DMA-configure), probes, registrations, unregistrations, removals and the deferred-probe
 * timeout keep every device bound only to a registered instance with IDs its firmware describes,
 * leak no fwspec, and free every fwspec exactly once at teardown; and in the Linux 6.15+ flow the
 * end state depends only on which devices exist when the instance registers, not on when their
 * drivers bind. The number of examples scales with {@code -Diommufw.tries=N}.
 */
class ProbeFlowProperties {
  private static final int REJECTED_ID = 13;
  private static final int ENODEV_ID = 11;

  private static int examples(int base) {
    return Integer.getInteger("iommufw.tries", 1) * base;
  }

  /** One random system: two instances of one driver, up to five described devices. */
  private static final class Run {
    final IommuCore core;
    final StandInDriver driver = StandInDriver.create("t");
    final FwNode n0 = FwNode.create("/iommu@0");
    final FwNode n1 = FwNode.create("/iommu@1");
    final IommuInstance i0 = driver.newInstance("i0", n0);
    final IommuInstance i1 = driver.newInstance("i1", n1);
    final List<Device> devices = new ArrayList<>();
    final Map<Device, List<Integer>> described = new LinkedHashMap<>();
    final SplittableRandom r;
    final StringBuilder trace = new StringBuilder();

    Run(ProbeFlow flow, long seed, int deviceCount, boolean secondInstance) {
      this.core = new IommuCore(flow);
      this.r = new SplittableRandom(seed);
      driver.rejectInProbe.add(REJECTED_ID);
      driver.probeHook =
          ctx -> {
            IommuFwspec f = ctx.fwspec();
            if (f != null) {
              for (int id : f.ids().toArray()) {
                if (id == ENODEV_ID) {
                  throw new IommuException(Errno.ENODEV, "ID 11 is not this IOMMU's");
                }
              }
            }
          };
      for (int k = 0; k < deviceCount; k++) {
        int entries = 1 + r.nextInt(2);
        List<TestGlue.Entry> list = new ArrayList<>();
        List<Integer> ids = new ArrayList<>();
        for (int e = 0; e < entries; e++) {
          int id = r.nextInt(8) == 0 ? REJECTED_ID : r.nextInt(8) == 0 ? ENODEV_ID : r.nextInt(6);
          FwNode node = secondInstance && r.nextBoolean() ? n1 : n0;
          list.add(TestGlue.Entry.of(e == 0 ? node : list.get(0).iommu(), id));
          ids.add(id);
        }
        Device d =
            Device.builder("d" + k, BusKind.PLATFORM)
                .dmaConfigureStep(new TestGlue(ImmutableList.copyOf(list)))
                .build();
        devices.add(d);
        described.put(d, ids);
      }
    }

    void step(String action) {
      trace.append(action).append(' ');
      String[] a = action.split(":", -1);
      Device d =
          a.length > 1 && a[0].charAt(0) != 'R' && a[0].charAt(0) != 'U'
              ? devices.get(Integer.parseInt(a[1]))
              : null;
      switch (a[0]) {
        case "add" -> {
          if (Objects.requireNonNull(d).core() == null) {
            core.addDevice(d);
          }
        }
        case "bind" -> {
          if (Objects.requireNonNull(d).core() == null) {
            core.addDevice(d);
          }
          core.dmaConfigure(d);
        }
        case "probe" -> {
          if (Objects.requireNonNull(d).core() == core) {
            core.probeDevice(d);
          }
        }
        case "remove" -> {
          if (Objects.requireNonNull(d).core() == core && !d.isRemoved()) {
            core.removeDevice(d);
          }
        }
        case "REG" -> register(a[1].equals("0") ? i0 : i1);
        case "UNREG" -> {
          IommuInstance i = a[1].equals("0") ? i0 : i1;
          if (i.isRegisteredIn(core)) {
            core.unregisterInstance(i);
          }
        }
        default -> core.setDeferralPolicy(DeferralPolicy.TIMEOUT_EXPIRED);
      }
      checkInvariants();
    }

    void register(IommuInstance i) {
      if (i.isRegisteredIn(core)) {
        return;
      }
      RegistrationResult result;
      try {
        result = core.registerInstance(i);
      } catch (IommuException e) {
        throw new AssertionError("no instance here has a null node", e);
      }
      if (result instanceof RegistrationResult.Aborted aborted) {
        assertThat(core.probeFlow()).isInstanceOf(ProbeFlow.FirmwareInProbe.class);
        assertThat(i.isRegisteredIn(core)).isFalse();
        assertThat(aborted.error()).isEqualTo(Errno.ERANGE);
        assertThat(described.get(aborted.culprit())).contains(REJECTED_ID);
        for (Device released : aborted.released()) {
          assertThat(released.iommuBinding()).isEmpty();
        }
      } else {
        assertThat(i.isRegisteredIn(core)).isTrue();
      }
    }

    void checkInvariants() {
      assertThat(core.holdsProbeLock()).isFalse();
      long bound = 0;
      for (Device d : devices) {
        IommuBinding b = d.iommuBinding().orElse(null);
        if (b == null) {
          continue;
        }
        bound++;
        assertThat(d.isRemoved()).as("%s removed but bound", d).isFalse();
        assertThat(b.instance().isRegisteredIn(core)).as("%s bound to a gone instance", d).isTrue();
        assertThat(b.ids().asList()).isEqualTo(described.get(d));
        assertThat(b.ids().contains(REJECTED_ID)).isFalse();
        assertThat(b.ids().contains(ENODEV_ID)).isFalse();
      }
      assertThat(core.fwspecsAllocated() - core.fwspecsFreed())
          .as("fwspecs live = fwspecs installed in bound devices")
          .isEqualTo(bound);
    }

    void tearDown() {
      for (Device d : devices) {
        if (d.core() == core && !d.isRemoved()) {
          core.removeDevice(d);
        }
      }
      for (IommuInstance i : List.of(i0, i1)) {
        if (i.isRegisteredIn(core)) {
          core.unregisterInstance(i);
        }
      }
      assertThat(core.fwspecsFreed())
          .as("every fwspec freed exactly once")
          .isEqualTo(core.fwspecsAllocated());
    }

    /** Per device: the instance and IDs it is bound to, or "-". */
    Map<String, String> endState() {
      Map<String, String> out = new LinkedHashMap<>();
      for (Device d : devices) {
        out.put(
            d.name(),
            d.iommuBinding().map(b -> b.instance().name() + " " + b.ids().asList()).orElse("-"));
      }
      return out;
    }
  }

  private static List<String> randomActions(SplittableRandom r, int devices, int count) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int k = r.nextInt(devices);
      out.add(
          switch (r.nextInt(12)) {
            case 0, 1 -> "add:" + k;
            case 2, 3, 4 -> "bind:" + k;
            case 5 -> "probe:" + k;
            case 6 -> "remove:" + k;
            case 7, 8 -> "REG:" + r.nextInt(2);
            case 9 -> "UNREG:" + r.nextInt(2);
            case 10 -> "TIMEOUT";
            default -> "bind:" + k;
          });
    }
    return out;
  }

  private static void lifecycle(ProbeFlow flow, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    int n = 1 + r.nextInt(5);
    Run run = new Run(flow, r.nextLong(), n, true);
    try {
      for (String action : randomActions(r, n, 1 + r.nextInt(30))) {
        run.step(action);
      }
      run.tearDown();
    } catch (AssertionError e) {
      throw new AssertionError(
          flow + ", seed " + seed + ", actions " + run.trace + ": " + e.getMessage(), e);
    }
  }

  @Test
  void lifecycleInvariantsHoldInTheOffDeviceHandover() {
    qt().withExamples(examples(800))
        .forAll(longs().all())
        .checkAssert(seed -> lifecycle(ProbeFlow.offDeviceHandover(), seed));
  }

  @Test
  void lifecycleInvariantsHoldWithTheFirmwareParseInTheProbePath() {
    qt().withExamples(examples(800))
        .forAll(longs().all())
        .checkAssert(seed -> lifecycle(ProbeFlow.firmwareInProbe(), seed));
  }

  /**
   * The 6.15+ end state is a function of the devices present at registration: every device is
   * added, then the instance's registration and the drivers' binds (and extra re-binds) run in any
   * order, then the timeout fires; the result equals registering first and binding in order.
   */
  @Test
  void from615OnTheEndStateDoesNotDependOnWhenDriversBind() {
    qt().withExamples(examples(500))
        .forAll(longs().all())
        .checkAssert(
            seed -> {
              SplittableRandom r = new SplittableRandom(seed);
              int n = 1 + r.nextInt(5);
              long deviceSeed = r.nextLong();
              List<String> adds = new ArrayList<>();
              List<String> binds = new ArrayList<>();
              for (int k = 0; k < n; k++) {
                adds.add("add:" + k);
                if (r.nextInt(4) != 0) {
                  binds.add("bind:" + k);
                }
              }
              Run reference = new Run(ProbeFlow.firmwareInProbe(), deviceSeed, n, false);
              List<String> canonical = new ArrayList<>(adds);
              canonical.add("REG:0");
              canonical.addAll(binds);
              canonical.add("TIMEOUT");
              canonical.forEach(reference::step);

              List<String> shuffled = new ArrayList<>(binds);
              int extra = r.nextInt(3);
              for (int i = 0; i < extra && !binds.isEmpty(); i++) {
                shuffled.add(binds.get(r.nextInt(binds.size())));
              }
              shuffled.add("REG:0");
              for (int i = shuffled.size() - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                String t = shuffled.get(i);
                shuffled.set(i, shuffled.get(j));
                shuffled.set(j, t);
              }
              Run permuted = new Run(ProbeFlow.firmwareInProbe(), deviceSeed, n, false);
              List<String> order = new ArrayList<>(adds);
              order.addAll(shuffled);
              order.add("TIMEOUT");
              order.forEach(permuted::step);

              assertThat(permuted.endState())
                  .as("seed %s: %s vs %s", seed, order, canonical)
                  .isEqualTo(reference.endState());
              assertThat(permuted.core.waitingDevices()).isEmpty();
              permuted.tearDown();
              reference.tearDown();
            });
  }

  /** Not vacuous: the generated systems both abort and complete registrations. */
  @Test
  void theGeneratorReachesBothRegistrationOutcomes() {
    boolean aborted = false;
    boolean registered = false;
    for (long seed = 0; seed < 200 && !(aborted && registered); seed++) {
      Run run = new Run(ProbeFlow.firmwareInProbe(), seed, 3, false);
      for (int k = 0; k < 3; k++) {
        run.step("add:" + k);
      }
      RegistrationResult result;
      try {
        result = run.core.registerInstance(run.i0);
      } catch (IommuException e) {
        throw new AssertionError(e);
      }
      aborted |= result instanceof RegistrationResult.Aborted;
      registered |= result instanceof RegistrationResult.Registered;
    }
    assertThat(aborted).isTrue();
    assertThat(registered).isTrue();
  }
}
