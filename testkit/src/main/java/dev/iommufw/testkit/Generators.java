package dev.iommufw.testkit;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableList;
import com.google.common.primitives.ImmutableIntArray;
import dev.iommufw.acpi.ViotBuilder;
import dev.iommufw.core.Device;
import dev.iommufw.core.FwNode;
import dev.iommufw.core.IommuCore;
import dev.iommufw.core.IommuException;
import dev.iommufw.core.IommuFwspec;
import dev.iommufw.core.IommuInstance;
import dev.iommufw.core.pci.Bdf;
import dev.iommufw.drivers.ArmSmmuDriver;
import dev.iommufw.drivers.ArmSmmuV3Driver;
import dev.iommufw.drivers.VirtioIommuDriver;
import dev.iommufw.machine.BootEvent;
import dev.iommufw.machine.Machine;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Generators as plain functions of a {@link RandomSource}: PCI functions, stream IDs, IOMMU
 * instances, fwspecs, machines ({@link MachineSpec}) with their device trees, IORTs and VIOTs, and
 * boot schedules. {@link TestkitGens} wraps each as a QuickTheories {@code Gen}; wrap them the same
 * way for any other library.
 *
 * <p>Every function draws toward small values first, so a shrinking source yields smaller
 * counterexamples: fewer SMMUs and devices, schedules closer to the reference boot.
 */
public final class Generators {
  private Generators() {}

  /**
   * A PCI address on segment 0–1.
   *
   * @param r the random source
   * @return the address
   */
  public static Bdf bdf(RandomSource r) {
    return new Bdf(r.intBetween(0, 1), r.intBetween(0, 0xff), r.intBetween(0, 0xff));
  }

  /**
   * Distinct PCI addresses, sorted.
   *
   * @param r the random source
   * @param max the largest count, at least 0
   * @return 0 to {@code max} addresses
   * @throws IllegalArgumentException if {@code max} is negative
   */
  public static ImmutableList<Bdf> pciFunctions(RandomSource r, int max) {
    checkArgument(max >= 0, "max %s", max);
    TreeSet<Bdf> out = new TreeSet<>();
    int n = r.intBetween(0, max);
    for (int i = 0; i < n; i++) {
      out.add(bdf(r));
    }
    return ImmutableList.copyOf(out);
  }

  /**
   * Stream or endpoint IDs, duplicates possible (two aliases may map to one stream).
   *
   * @param r the random source
   * @param maxCount the largest count, at least 1
   * @param bound IDs are below this, positive
   * @return 1 to {@code maxCount} IDs
   * @throws IllegalArgumentException for a bad count or bound
   */
  public static ImmutableIntArray ids(RandomSource r, int maxCount, int bound) {
    checkArgument(maxCount >= 1 && bound >= 1, "maxCount %s bound %s", maxCount, bound);
    int n = r.intBetween(1, maxCount);
    ImmutableIntArray.Builder out = ImmutableIntArray.builder(n);
    for (int i = 0; i < n; i++) {
      out.add(r.intBetween(0, bound - 1));
    }
    return out.build();
  }

  /**
   * An IOMMU instance of one of the reference drivers (a permissive SMMUv3, an MMU-500 over 16-bit
   * stream IDs, or a virtio-iommu), with a fresh firmware node, registered nowhere.
   *
   * @param r the random source
   * @param name the instance's name
   * @return the instance
   */
  public static IommuInstance instance(RandomSource r, String name) {
    checkNotNull(name);
    FwNode node = FwNode.create(name);
    return switch (r.intBetween(0, 2)) {
      case 0 -> new ArmSmmuV3Driver().createPermissiveInstance(name, node);
      case 1 -> new ArmSmmuDriver().createInstance(name, node, 0, 0xffff, 0xffff);
      default -> new VirtioIommuDriver().createInstance(name, node);
    };
  }

  /**
   * A formed fwspec, still {@code BUILDING}: allocated in {@code core}, naming {@code instance}'s
   * IOMMU for {@code dev}, with 1–4 IDs below 2^16 and maybe the ATS flag. Hand it to {@link
   * IommuCore#probeDevice(Device, IommuFwspec)} or deallocate it.
   *
   * @param r the random source
   * @param core the core that allocates it
   * @param dev the device it is for (added to {@code core})
   * @param instance the IOMMU it names, which must have a firmware node
   * @return the fwspec
   * @throws IommuException if the core refuses the IOMMU (as {@code fwspecAssignIommu} does)
   * @throws IllegalArgumentException if the instance has no firmware node
   */
  public static IommuFwspec fwspec(
      RandomSource r, IommuCore core, Device dev, IommuInstance instance) throws IommuException {
    FwNode node = instance.fwNode();
    checkArgument(node != null, "%s has no firmware node", instance);
    IommuFwspec fwspec = core.allocFwspec();
    try {
      core.fwspecAssignIommu(fwspec, dev, node);
      fwspec.appendIds(ids(r, 4, 0x10000).toArray());
      if (r.bool()) {
        fwspec.addFlags(IommuFwspec.FLAG_PCI_RC_ATS);
      }
      return fwspec;
    } catch (IommuException | RuntimeException e) {
      fwspec.dealloc();
      throw e;
    }
  }

  /**
   * A machine: 1–3 SMMUs (v3 or MMU-500; the MMU-500 driver is sometimes missing, so its devices
   * wait until the deferred-probe timeout), up to 6 platform devices under DT, a PCI host mapped to
   * one SMMU (or to none), up to 6 endpoints, and sometimes QEMU's SMMUv3 model with 16 stream-ID
   * bits (so PCI stream IDs above 0xffff fail with {@code ERANGE}). Stream IDs are distinct across
   * devices, so no two devices compete for one stream (a competition the hardware resolves by bind
   * order, which is rightly not confluent).
   *
   * @param r the random source
   * @return the machine's description
   */
  public static MachineSpec machineSpec(RandomSource r) {
    boolean acpi = r.bool();
    int nSmmu = r.intBetween(1, 3);
    List<MachineSpec.Smmu> smmus = new ArrayList<>();
    for (int i = 0; i < nSmmu; i++) {
      smmus.add(new MachineSpec.Smmu(i == 0 || r.between(0, 3) > 0, 0x9050000L + 0x20000L * i));
    }
    List<String> drivers = new ArrayList<>(List.of("arm-smmu-v3"));
    if (r.between(0, 2) > 0) {
      drivers.add("arm-smmu");
    }
    List<MachineSpec.Platform> platform = new ArrayList<>();
    int nextSid = 0;
    if (!acpi) {
      int n = r.intBetween(0, 6);
      for (int i = 0; i < n; i++) {
        int smmu = r.intBetween(-1, nSmmu - 1);
        ImmutableIntArray.Builder sids = ImmutableIntArray.builder();
        if (smmu >= 0) {
          int k = r.intBetween(1, 3);
          for (int j = 0; j < k; j++) {
            nextSid += r.intBetween(1, 16);
            sids.add(nextSid);
          }
        }
        platform.add(new MachineSpec.Platform(0xa000000L + 0x1000L * i, smmu, sids.build()));
      }
    }
    int pciSmmu = r.intBetween(-1, nSmmu - 1);
    // RIDs are below 0x100 here; start PCI streams above every platform stream.
    int pciSidBase = r.bool() ? 0x10000 - 0x80 : 0x1000;
    List<MachineSpec.Pci> pci = new ArrayList<>();
    int nPci = r.intBetween(0, 6);
    int device = 0;
    for (int i = 0; i < nPci; i++) {
      device += r.intBetween(1, 5);
      if (device > 31) {
        break;
      }
      pci.add(new MachineSpec.Pci(device, r.between(0, 3) > 0));
    }
    int sidBits = r.bool() ? 16 : 0;
    return new MachineSpec(
        acpi,
        ImmutableList.copyOf(smmus),
        ImmutableList.copyOf(drivers),
        ImmutableList.copyOf(platform),
        pciSmmu,
        pciSidBase,
        ImmutableList.copyOf(pci),
        sidBits);
  }

  /**
   * A device tree built with the of-glue's {@code FdtBuilder}, printing as DTS-like source.
   *
   * @param r the random source
   * @return the DTB ({@link GeneratedDtb#bytes()} for the blob)
   */
  public static GeneratedDtb deviceTree(RandomSource r) {
    MachineSpec s = machineSpec(r);
    return new GeneratedDtb(
        new MachineSpec(
                false,
                s.smmus(),
                s.iommuDrivers(),
                s.platform(),
                s.pciSmmu(),
                s.pciSidBase(),
                s.pci(),
                s.sidBits())
            .deviceTree());
  }

  /**
   * An IORT built with the acpi-glue's {@code IortBuilder}, printing as its node list.
   *
   * @param r the random source
   * @return the table ({@link GeneratedAcpiTable#bytes()} for the raw bytes)
   */
  public static GeneratedAcpiTable iort(RandomSource r) {
    MachineSpec s = machineSpec(r);
    return new GeneratedAcpiTable(
        new MachineSpec(
                true,
                s.smmus(),
                s.iommuDrivers(),
                ImmutableList.of(),
                s.pciSmmu(),
                s.pciSidBase(),
                s.pci(),
                s.sidBits())
            .iort());
  }

  /**
   * A VIOT built with the acpi-glue's {@code ViotBuilder}: a virtio-iommu PCI function at {@code
   * 0000:00:01.0} and 1–3 PCI ranges on segment 0 (never covering the virtio-iommu itself) with
   * random endpoint-ID offsets. Prints as its node list.
   *
   * @param r the random source
   * @return the table ({@link GeneratedAcpiTable#bytes()} for the raw bytes)
   */
  public static GeneratedAcpiTable viot(RandomSource r) {
    ViotBuilder b = new ViotBuilder();
    int n = r.intBetween(1, 3);
    int iommu = b.nextOffset() + 24 * n;
    int bdf = 0x10;
    for (int i = 0; i < n && bdf < 0xff; i++) {
      int start = bdf;
      int end = Math.min(0xff, start + r.intBetween(0, 0x20));
      b.addPciRange(r.intBetween(0, 1) * 0x1000L + start, 0, 0, start, end, iommu);
      bdf = end + 1;
    }
    while (b.nextOffset() < iommu) {
      b.addPciRange(0xf000, 1, 1, 0, 0, iommu);
    }
    b.addVirtioPciIommu(0, 0x08);
    return new GeneratedAcpiTable(b.build());
  }

  /**
   * A permutation of a machine's boot events with deferred-probe retries mixed in: every event of
   * {@link Machine#defaultBoot()} except the timeout, plus up to {@code maxRetries} extra driver
   * probes (DMA-configure) of devices that bind, in a random order; the timeout, if the boot has
   * one, comes last (it ends the boot: a device that deferred binds without an IOMMU).
   *
   * <p>From Linux 6.15 on ({@link dev.iommufw.machine.KernelVersion#firmwareInProbe()}) the device
   * adds are not permuted: they run first, in the default boot's order. In that flow a registration
   * probes the devices present in bus order and a probe failure aborts it, so the end state depends
   * on which devices exist when an instance registers (an input of the boot: in these machines
   * every instance registers after the devices exist), and only on that; the registrations, driver
   * binds and retries are permuted.
   *
   * @param r the random source
   * @param machine the machine
   * @param maxRetries the largest number of extra probes, at least 0
   * @return a sequential schedule
   * @throws IllegalArgumentException if {@code maxRetries} is negative
   */
  public static BootSchedule schedule(RandomSource r, Machine machine, int maxRetries) {
    return concurrentSchedule(r, machine, maxRetries, 1);
  }

  /**
   * Like {@link #schedule}, with the permuted events dealt at random to {@code threads} threads.
   *
   * <p>From Linux 6.15 on, the instance registrations all go to the first thread (in their permuted
   * order), the other events anywhere: in that flow two registrations that overlap are not
   * confluent. A registration's walk configures every device present, so it can configure a device
   * of another instance that is registered but still walking, and when that instance's driver turns
   * the device down with an error other than ENODEV, the walk that merely passed by aborts too —
   * its own devices end without an IOMMU, where registered one after the other only the instance
   * whose device it is fails (the kernel has the same race: it drops its probe lock around a
   * device's DMA configuration; in practice the IOMMU drivers' probes, and so their registrations,
   * run one at a time).
   *
   * @param r the random source
   * @param machine the machine
   * @param maxRetries the largest number of extra probes, at least 0
   * @param threads the number of threads, at least 1
   * @return the schedule; its {@code last} part holds the timeout
   * @throws IllegalArgumentException for a negative retry count or no thread
   */
  public static BootSchedule concurrentSchedule(
      RandomSource r, Machine machine, int maxRetries, int threads) {
    checkArgument(maxRetries >= 0 && threads >= 1, "maxRetries %s threads %s", maxRetries, threads);
    List<BootEvent> first = new ArrayList<>();
    List<BootEvent> events = new ArrayList<>();
    List<BootEvent> last = new ArrayList<>();
    boolean addsFirst = machine.kernelVersion().firmwareInProbe();
    for (BootEvent e : machine.defaultBoot()) {
      if (e instanceof BootEvent.DeferredProbeTimeout) {
        last.add(e);
      } else if (addsFirst && e instanceof BootEvent.AddDevice) {
        first.add(e);
      } else {
        events.add(e);
      }
    }
    ImmutableList<String> binding = machine.bindOrder();
    if (!binding.isEmpty()) {
      int retries = r.intBetween(0, maxRetries);
      for (int i = 0; i < retries; i++) {
        events.add(new BootEvent.DmaConfigure(r.pick(binding)));
      }
    }
    List<BootEvent> shuffled = r.shuffle(events);
    List<List<BootEvent>> parts = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      parts.add(new ArrayList<>());
    }
    for (BootEvent e : shuffled) {
      boolean oneThread = addsFirst && e instanceof BootEvent.RegisterInstance;
      parts.get(oneThread ? 0 : r.intBetween(0, threads - 1)).add(e);
    }
    ImmutableList.Builder<ImmutableList<BootEvent>> out = ImmutableList.builder();
    parts.forEach(p -> out.add(ImmutableList.copyOf(p)));
    return new BootSchedule(ImmutableList.copyOf(first), out.build(), ImmutableList.copyOf(last));
  }

  /**
   * A schedule that also takes instances away: the events of {@link #concurrentSchedule} with, for
   * 1–2 of the instances that register, an unregistration at a random place among them. Its end
   * state is not the reference boot's (unregistering releases devices); the harness's invariants
   * still hold.
   *
   * @param r the random source
   * @param machine the machine
   * @param threads the number of threads, at least 1
   * @return the schedule
   * @throws IllegalArgumentException if {@code threads} is not positive
   */
  public static BootSchedule unregisterSchedule(RandomSource r, Machine machine, int threads) {
    BootSchedule base = concurrentSchedule(r, machine, 2, threads);
    List<String> registering = new ArrayList<>();
    for (BootEvent e : machine.defaultBoot()) {
      if (e instanceof BootEvent.RegisterInstance reg) {
        registering.add(reg.instance());
      }
    }
    if (registering.isEmpty()) {
      return base;
    }
    List<List<BootEvent>> parts = new ArrayList<>();
    base.threads().forEach(t -> parts.add(new ArrayList<>(t)));
    int n = r.intBetween(1, Math.min(2, registering.size()));
    for (int i = 0; i < n; i++) {
      List<BootEvent> part = parts.get(r.intBetween(0, parts.size() - 1));
      part.add(r.intBetween(0, part.size()), new BootEvent.UnregisterInstance(r.pick(registering)));
    }
    ImmutableList.Builder<ImmutableList<BootEvent>> out = ImmutableList.builder();
    parts.forEach(p -> out.add(ImmutableList.copyOf(p)));
    return new BootSchedule(base.first(), out.build(), base.last());
  }
}
