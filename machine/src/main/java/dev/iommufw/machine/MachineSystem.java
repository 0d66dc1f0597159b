package dev.iommufw.machine;

import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import com.google.common.primitives.ImmutableIntArray;
import com.google.errorprone.annotations.CanIgnoreReturnValue;
import dev.iommufw.acpi.AcpiIommu;
import dev.iommufw.core.BusKind;
import dev.iommufw.core.DeferralPolicy;
import dev.iommufw.core.Device;
import dev.iommufw.core.DmaConfigure;
import dev.iommufw.core.DmaConfigureResult;
import dev.iommufw.core.Errno;
import dev.iommufw.core.FwNode;
import dev.iommufw.core.IommuBinding;
import dev.iommufw.core.IommuCore;
import dev.iommufw.core.IommuException;
import dev.iommufw.core.IommuGroup;
import dev.iommufw.core.IommuInstance;
import dev.iommufw.core.ProbeFlow;
import dev.iommufw.core.RegistrationResult;
import dev.iommufw.core.pci.Bdf;
import dev.iommufw.core.pci.PciFunction;
import dev.iommufw.drivers.ArmSmmuDriver;
import dev.iommufw.drivers.ArmSmmuV3Driver;
import dev.iommufw.drivers.VirtioIommuDriver;
import dev.iommufw.machine.MachineDescription.Hardware;
import dev.iommufw.machine.MachineDescription.PciEntry;
import dev.iommufw.machine.MachineDescription.PciHost;
import dev.iommufw.machine.MachineDescription.PlatformEntry;
import dev.iommufw.machine.MachineState.DeviceState;
import dev.iommufw.machine.MachineState.GroupState;
import dev.iommufw.machine.MachineState.Result;
import dev.iommufw.of.FdtNode;
import dev.iommufw.of.OfIommu;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One booting system of a {@link Machine}: an {@link IommuCore} with the machine's PCI topology,
 * the reference drivers ({@link ArmSmmuV3Driver}, {@link ArmSmmuDriver}, {@link VirtioIommuDriver})
 * with the <a href="{@docRoot}/dev/iommufw/core/doc-files/kernel-rules.html#hardware">hardware
 * models</a>, every described IOMMU instance and every device, created through the glue ({@link
 * OfIommu} or {@link AcpiIommu}).
 *
 * <p>{@link #run(BootEvent)} executes one event; events may run in any order and from several
 * threads (the core is thread-safe). Registering a virtio-iommu whose carrier's DMA configuration
 * is still deferred waits until the carrier binds: in Linux the instance registers from the carrier
 * driver's probe, which runs only once its DMA configuration succeeded or gave up. {@link
 * #endState()} is a function of the core's state plus each device's last DMA-configure outcome.
 *
 * <h2>The kernel version</h2>
 *
 * Before 6.15 the core uses {@link ProbeFlow#offDeviceHandover()}: a device is configured when its
 * driver binds. From 6.15 on ({@link KernelVersion#firmwareInProbe()}) it uses {@link
 * ProbeFlow#firmwareInProbe(Comparator)} with the machine's {@link Machine#busOrder()}: a device is
 * configured when it is added and again when an instance registers, whether a driver binds or not;
 * the SMMUv3 driver answers {@code ENODEV} for a stream ID another device owns; and an instance
 * whose registration a failed probe aborted never registers again in that boot, so the devices that
 * point at it end, after the deferred-probe timeout, without an IOMMU (a device no driver binds
 * keeps the outcome of its last configuration). A configuration that finds its instance not
 * registered builds nothing, so it does not replace a device's last outcome.
 *
 * <h2>From the glue's outcome to the report's result</h2>
 *
 * <ul>
 *   <li>Bound (the core has a binding) → {@code ok}.
 *   <li>No IOMMU, still deferred, or failed with {@code ETIMEDOUT}/{@code ENODEV} (the
 *       deferred-probe timeout) → {@code none}: {@code of_dma_configure_id()} and {@code
 *       acpi_dma_configure_id()} let the driver probe go on without an IOMMU.
 *   <li>Failed after the driver's {@code probe_device} ran → {@code error} with its errno and the
 *       IDs built: the kernel's {@code iommu_probe_device()} returned that error. So is a driver
 *       turning a formed fwspec down with {@code ENODEV} (the core's no-IOMMU outcome carrying the
 *       IDs it turned down), which the SMMUv3 driver of 6.15 and later does for a stream ID another
 *       device owns.
 *   <li>Failed in the glue before any {@code probe_device}: under DT → {@code error} ({@code
 *       of_iommu_configure()} returns the error, e.g. {@code EFAULT} from {@code of_map_id()});
 *       under ACPI → {@code none}, because {@code acpi_iommu_configure_id()} turns every error
 *       other than {@code -EPROBE_DEFER} into {@code -ENODEV} (e.g. {@code EINVAL} for a VIOT
 *       virtio-iommu function, which is never translated by itself).
 * </ul>
 */
public final class MachineSystem {
  private final Machine machine;
  private final IommuCore core;
  private final ArmSmmuV3Driver smmuV3;
  private final ArmSmmuDriver smmu = new ArmSmmuDriver();
  private final VirtioIommuDriver virtio = new VirtioIommuDriver();
  private final ImmutableMap<String, IommuInstance> instances;
  private final ImmutableMap<String, Device> devices;
  private final Map<String, DmaConfigureResult> outcomes = new ConcurrentHashMap<>();

  /** Carried instances (virtio-iommu) by name → the device that carries them. */
  private final ImmutableMap<String, String> carriers;

  /** Carried instances whose registration waits for their carrier to bind. */
  private final java.util.Set<String> pending = ConcurrentHashMap.newKeySet();

  /** Whether the kernel parses the firmware in the probe path (6.15 and later). */
  private final boolean firmwareInProbe;

  /** Instances whose registration failed (from 6.15 on): they never register again. */
  private final java.util.Set<IommuInstance> failedRegistrations = ConcurrentHashMap.newKeySet();

  MachineSystem(Machine machine) {
    this.machine = machine;
    IommuCore.Builder builder = IommuCore.builder().pciTopology(machine.topology());
    this.firmwareInProbe = machine.kernelVersion().firmwareInProbe();
    if (firmwareInProbe) {
      Map<String, Integer> rank = new java.util.HashMap<>();
      for (String name : machine.busOrder()) {
        rank.put(name, rank.size());
      }
      this.core =
          builder
              .probeFlow(
                  ProbeFlow.firmwareInProbe(
                      Comparator.comparingInt(d -> rank.getOrDefault(d.name(), Integer.MAX_VALUE))))
              .build();
      this.smmuV3 = new ArmSmmuV3Driver(Errno.ENODEV);
    } else {
      this.core = builder.probeFlow(ProbeFlow.offDeviceHandover()).build();
      this.smmuV3 = new ArmSmmuV3Driver(Errno.EINVAL);
    }
    Map<String, IommuInstance> inst = new LinkedHashMap<>();
    Map<String, String> carried = new LinkedHashMap<>();
    for (InstanceSpec s : machine.instanceSpecs()) {
      inst.put(s.name(), createInstance(s));
      String carrier = s.carrier();
      if (carrier != null) {
        carried.put(s.name(), carrier);
      }
    }
    this.carriers = ImmutableMap.copyOf(carried);
    this.instances = ImmutableMap.copyOf(inst);
    Map<String, Device> devs = new LinkedHashMap<>();
    OfIommu of = machine.ofGlue();
    AcpiIommu acpi = machine.acpiGlue();
    for (PciEntry e : machine.pciEntries().values()) {
      PciFunction fn =
          machine
              .topology()
              .pciFunction(
                  java.util.Objects.requireNonNull(
                      machine.topology().function(e.function().bdf())));
      Device glued;
      if (of != null) {
        PciHost host = machine.hostOf(e.function());
        String path = host == null ? null : host.node();
        FdtNode hostNode =
            path == null ? null : java.util.Objects.requireNonNull(machine.fdt()).node(path);
        glued =
            hostNode != null
                ? of.pciDevice(hostNode, fn)
                : Device.builder(e.function().bdf().toString(), BusKind.PCI)
                    .pci(fn)
                    .fwNode(FwNode.create(e.function().bdf().toString()))
                    .dmaConfigureStep(of.dmaConfigureStep(null, null))
                    .build();
      } else {
        glued = java.util.Objects.requireNonNull(acpi).pciDevice(fn);
      }
      devs.put(e.function().bdf().toString(), recorded(glued, e.function().bdf().toString()));
    }
    for (PlatformEntry p : machine.platformEntries().values()) {
      FdtNode node = java.util.Objects.requireNonNull(machine.fdt()).node(p.node());
      OfIommu glue = java.util.Objects.requireNonNull(of);
      Device glued =
          Device.builder(p.node(), BusKind.PLATFORM)
              .fwNode(glue.fwNode(java.util.Objects.requireNonNull(node)))
              .dmaConfigureStep(glue.dmaConfigureStep(node, null))
              .build();
      devs.put(p.node(), recorded(glued, p.node()));
    }
    this.devices = ImmutableMap.copyOf(devs);
  }

  /** The glue's device, rebuilt with a DMA-configure step that records its last outcome. */
  private Device recorded(Device glued, String name) {
    DmaConfigure step = java.util.Objects.requireNonNull(glued.dmaConfigureStep());
    Device.Builder b =
        Device.builder(name, glued.bus())
            .dmaConfigureStep(
                (c, d) -> {
                  DmaConfigureResult r = step.configure(c, d);
                  if (r instanceof DmaConfigureResult.Deferred && firmwareInProbe) {
                    // From 6.15 a configuration that finds its instance not registered builds
                    // nothing:
                    // the device keeps the outcome of its last configuration that did.
                    outcomes.putIfAbsent(name, r);
                  } else {
                    outcomes.put(name, r);
                  }
                  return r;
                });
    FwNode node = glued.fwNode();
    if (node != null) {
      b.fwNode(node);
    }
    PciFunction fn = glued.pci();
    if (fn != null) {
      b.pci(fn);
    }
    return b.build();
  }

  private IommuInstance createInstance(InstanceSpec s) {
    Hardware hw = s.hardware();
    return switch (s.driver()) {
      case "arm-smmu-v3" ->
          hw == null
              ? smmuV3.createPermissiveInstance(s.name(), s.node())
              : smmuV3.createInstance(s.name(), s.node(), hw.sidBits());
      // No arm-smmu hardware model: stream indexing over 16-bit IDs accepts every fwspec.
      case "arm-smmu" -> smmu.createInstance(s.name(), s.node(), 0, 0xffff, 0xffff);
      default -> {
        if (hw == null) {
          yield virtio.createInstance(s.name(), s.node());
        }
        ImmutableSet<Integer> known = machine.qemuEndpoints(s.segment());
        yield virtio.createInstance(s.name(), s.node(), known::contains);
      }
    };
  }

  /**
   * The system's core.
   *
   * @return the core
   */
  public IommuCore core() {
    return core;
  }

  /**
   * The described IOMMU instances, by name (registered or not).
   *
   * @return the instances
   */
  public ImmutableMap<String, IommuInstance> instances() {
    return instances;
  }

  /**
   * The devices, by report name (added to the core or not).
   *
   * @return the devices
   */
  public ImmutableMap<String, Device> devices() {
    return devices;
  }

  /**
   * Runs one boot event.
   *
   * @param event the event
   * @throws IllegalArgumentException if it names an unknown device or instance
   */
  public void run(BootEvent event) {
    checkNotNull(event);
    if (event instanceof BootEvent.RegisterInstance r) {
      String carrier = carriers.get(r.instance());
      if (carrier != null && outcomes.get(carrier) instanceof DmaConfigureResult.Deferred) {
        // The carrier's driver probe has not run: its DMA configuration waits. The instance
        // registers when the carrier finally binds (see registerPending).
        pending.add(r.instance());
      } else {
        register(instance(r.instance()));
      }
    } else if (event instanceof BootEvent.UnregisterInstance u) {
      IommuInstance instance = instance(u.instance());
      synchronized (instance) {
        if (instance.isRegisteredIn(core)) {
          core.unregisterInstance(instance);
        }
      }
    } else if (event instanceof BootEvent.AddDevice a) {
      added(device(a.device()));
    } else if (event instanceof BootEvent.DmaConfigure c) {
      core.dmaConfigure(added(device(c.device())));
    } else {
      core.setDeferralPolicy(DeferralPolicy.TIMEOUT_EXPIRED);
    }
    registerPending();
  }

  private void register(IommuInstance instance) {
    synchronized (instance) {
      if (!instance.isRegisteredIn(core) && !failedRegistrations.contains(instance)) {
        try {
          if (core.registerInstance(instance) instanceof RegistrationResult.Aborted) {
            // A probe of the registration's walk failed: the core unregistered the instance and
            // released what it had bound; in that boot it never comes back.
            failedRegistrations.add(instance);
          }
        } catch (IommuException e) {
          // The bus walk failed and the core unregistered the instance again: as in Linux, the
          // instance is simply not there.
        }
      }
    }
  }

  /** Registers the carried instances whose carrier is no longer waiting, until none is left. */
  private void registerPending() {
    boolean progress = true;
    while (progress && !pending.isEmpty()) {
      progress = false;
      for (String name : List.copyOf(pending)) {
        String carrier = carriers.get(name);
        if (carrier == null || !(outcomes.get(carrier) instanceof DmaConfigureResult.Deferred)) {
          pending.remove(name);
          register(instance(name));
          progress = true;
        }
      }
    }
  }

  /**
   * Runs events in order.
   *
   * @param events the events
   */
  public void runAll(List<BootEvent> events) {
    for (BootEvent e : events) {
      run(e);
    }
  }

  @CanIgnoreReturnValue
  private Device added(Device dev) {
    synchronized (dev) {
      if (dev.core() == null) {
        core.addDevice(dev);
      }
    }
    return dev;
  }

  private IommuInstance instance(String name) {
    IommuInstance i = instances.get(name);
    if (i == null) {
      throw new IllegalArgumentException("no IOMMU instance " + name);
    }
    return i;
  }

  private Device device(String name) {
    Device d = devices.get(name);
    if (d == null) {
      throw new IllegalArgumentException("no device " + name);
    }
    return d;
  }

  /**
   * The end state of the boot so far.
   *
   * @return the state
   */
  public MachineState endState() {
    List<DeviceState> out = new ArrayList<>();
    IdentityHashMap<IommuGroup, String> groupNames = new IdentityHashMap<>();
    Map<String, List<String>> members = new LinkedHashMap<>();
    Map<String, String> groupInstance = new LinkedHashMap<>();
    for (Map.Entry<String, Device> e : devices.entrySet()) {
      String name = e.getKey();
      Device dev = e.getValue();
      boolean pci = dev.bus() == BusKind.PCI;
      String driver =
          pci
              ? java.util.Objects.requireNonNull(machine.pciEntries().get(Bdf.parse(name))).driver()
              : java.util.Objects.requireNonNull(machine.platformEntries().get(name)).driver();
      IommuBinding binding = dev.iommuBinding().orElse(null);
      DmaConfigureResult outcome = outcomes.get(name);
      if (binding != null) {
        String group = groupNames.computeIfAbsent(binding.group(), g -> name);
        members.computeIfAbsent(group, k -> new ArrayList<>()).add(name);
        groupInstance.putIfAbsent(group, binding.instance().name());
        out.add(
            new DeviceState(
                name,
                pci,
                driver,
                Result.OK,
                binding.instance().name(),
                binding.ids(),
                null,
                group));
      } else if (outcome == null) {
        out.add(
            new DeviceState(
                name, pci, driver, Result.UNPROBED, null, ImmutableIntArray.of(), null, null));
      } else if (outcome instanceof DmaConfigureResult.Failed f && isError(dev, f)) {
        out.add(
            new DeviceState(
                name, pci, driver, Result.ERROR, null, f.ids(), f.error().name(), null));
      } else if (outcome instanceof DmaConfigureResult.NoIommu n && !n.ids().isEmpty()) {
        // The driver's probe_device turned the formed fwspec down with ENODEV.
        out.add(
            new DeviceState(
                name, pci, driver, Result.ERROR, null, n.ids(), Errno.ENODEV.name(), null));
      } else {
        out.add(
            new DeviceState(
                name, pci, driver, Result.NONE, null, ImmutableIntArray.of(), null, null));
      }
    }
    ImmutableList.Builder<GroupState> groups = ImmutableList.builder();
    for (Map.Entry<String, List<String>> g : members.entrySet()) {
      groups.add(
          new GroupState(
              g.getKey(),
              java.util.Objects.requireNonNull(groupInstance.get(g.getKey())),
              ImmutableList.copyOf(g.getValue())));
    }
    return new MachineState(ImmutableList.copyOf(out), groups.build());
  }

  /** See the class comment: which failures the report shows as {@code error}. */
  private boolean isError(Device dev, DmaConfigureResult.Failed f) {
    if (f.error() == Errno.ETIMEDOUT || f.error() == Errno.ENODEV) {
      return false;
    }
    if (smmuV3.probed(dev) || smmu.probed(dev) || virtio.probed(dev)) {
      return true;
    }
    return machine.acpiGlue() == null;
  }

  /**
   * The machine this system boots.
   *
   * @return the machine
   */
  public Machine machine() {
    return machine;
  }
}
