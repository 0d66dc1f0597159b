package dev.iommufw.core;

import static dev.iommufw.core.PciDmaAliasTest.bdf;
import static dev.iommufw.core.PciDmaAliasTest.bridge;
import static dev.iommufw.core.PciDmaAliasTest.endpoint;
import static org.assertj.core.api.Assertions.assertThat;

import dev.iommufw.core.pci.Bdf;
import dev.iommufw.core.pci.PciDev;
import dev.iommufw.core.pci.PciTopology;
import dev.iommufw.core.pci.PciType;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** One test per rule of {@code pci_device_group} (machine.md §6). */
class PciDeviceGroupTest {
  /** A bus-wide driver that binds every device except the rejected ones, with PCI groups. */
  static final class GroupDriver implements IommuOps {
    final Set<String> rejected;
    @Nullable IommuInstance instance;

    GroupDriver(Set<String> rejected) {
      this.rejected = rejected;
    }

    @Override
    public String name() {
      return "group-test";
    }

    @Override
    public IommuInstance probeDevice(ProbeContext ctx) throws IommuException {
      Device dev = ctx.device();
      if (rejected.contains(dev.name())) {
        throw new IommuException(Errno.ERANGE, "rejected " + dev.name());
      }
      return Objects.requireNonNull(instance);
    }

    @Override
    public IommuGroup deviceGroup(ProbeContext ctx) {
      return ctx.device().pci() != null ? ctx.pciDeviceGroup() : ctx.genericDeviceGroup();
    }
  }

  /** Binds the topology's functions in the given order; returns devices by BDF. */
  static Map<Bdf, Device> bind(PciTopology t, Set<String> rejected, Bdf... order)
      throws IommuException {
    IommuCore core = IommuCore.builder().pciTopology(t).build();
    GroupDriver driver = new GroupDriver(rejected);
    driver.instance = new IommuInstance("bus-wide", null, driver);
    core.registerInstance(driver.instance);
    Map<Bdf, Device> out = new HashMap<>();
    for (Bdf b : order) {
      PciDev f = Objects.requireNonNull(t.function(b));
      Device d = Device.builder(b.toString(), BusKind.PCI).pci(t.pciFunction(f)).build();
      core.addDevice(d); // the bus-wide instance probes it now
      out.put(b, d);
    }
    return out;
  }

  static @Nullable IommuGroup group(Map<Bdf, Device> devs, Bdf b) {
    Device d = Objects.requireNonNull(devs.get(b));
    IommuCore core = Objects.requireNonNull(d.core());
    return core.group(d);
  }

  static PciTopology bridgeBehindRootPort(boolean rootPortAcs) {
    return PciTopology.builder()
        .rootBus(0, 0)
        .add(bridge(bdf(0, 4, 0), PciType.ROOT_PORT, true, 2, 3).acs(rootPortAcs).build())
        .add(
            bridge(bdf(2, 0, 0), PciType.PCIE_TO_PCI_BRIDGE, true, 3, 3)
                .parent(bdf(0, 4, 0))
                .build())
        .add(endpoint(bdf(3, 1, 0), bdf(2, 0, 0), false).build())
        .add(endpoint(bdf(3, 2, 0), bdf(2, 0, 0), false).build())
        .build();
  }

  @Test
  void climbWithoutAcsJoinsTheRootPortGroup() throws Exception {
    // machine.md §8 under DT: everything shares the root port's group.
    Map<Bdf, Device> d =
        bind(bridgeBehindRootPort(false), Set.of(), bdf(0, 4, 0), bdf(2, 0, 0), bdf(3, 1, 0));
    assertThat(group(d, bdf(2, 0, 0))).isSameAs(group(d, bdf(0, 4, 0)));
    assertThat(group(d, bdf(3, 1, 0))).isSameAs(group(d, bdf(0, 4, 0)));
  }

  @Test
  void anIsolatedPathStopsTheClimb() throws Exception {
    // machine.md §8 under ACPI: ACS on the root port; the bridge and the NIC share their own.
    Map<Bdf, Device> d =
        bind(bridgeBehindRootPort(true), Set.of(), bdf(0, 4, 0), bdf(2, 0, 0), bdf(3, 1, 0));
    assertThat(group(d, bdf(2, 0, 0))).isNotSameAs(group(d, bdf(0, 4, 0)));
    assertThat(group(d, bdf(3, 1, 0))).isSameAs(group(d, bdf(2, 0, 0)));
  }

  @Test
  void anAliasCarriersGroupIsJoined() throws Exception {
    // The bridge binds first; each conventional device finds it as the carrier of its alias.
    Map<Bdf, Device> d =
        bind(bridgeBehindRootPort(true), Set.of(), bdf(2, 0, 0), bdf(3, 2, 0), bdf(3, 1, 0));
    assertThat(group(d, bdf(3, 2, 0))).isSameAs(group(d, bdf(2, 0, 0)));
    assertThat(group(d, bdf(3, 1, 0))).isSameAs(group(d, bdf(2, 0, 0)));
  }

  @Test
  void devicesBindingBeforeTheirAliasCarrierDoNotFindEachOther() throws Exception {
    // Only the bind order matters: the kernel looks for groups of carriers, never of siblings
    // that share an alias, so two devices behind an unbound bridge get two groups.
    Map<Bdf, Device> d =
        bind(bridgeBehindRootPort(true), Set.of(), bdf(3, 1, 0), bdf(3, 2, 0), bdf(2, 0, 0));
    assertThat(group(d, bdf(3, 2, 0))).isNotSameAs(group(d, bdf(3, 1, 0)));
    assertThat(group(d, bdf(2, 0, 0))).isNotSameAs(group(d, bdf(3, 1, 0)));
  }

  @Test
  void singleFunctionPcieEndpointsBelowAcsPortsAreAlone() throws Exception {
    PciTopology t =
        PciTopology.builder()
            .rootBus(0, 0)
            .add(bridge(bdf(0, 2, 0), PciType.ROOT_PORT, true, 1, 4).acs(true).build())
            .add(
                bridge(bdf(1, 0, 0), PciType.UPSTREAM_PORT, true, 2, 4)
                    .parent(bdf(0, 2, 0))
                    .build())
            .add(
                bridge(bdf(2, 0, 0), PciType.DOWNSTREAM_PORT, true, 3, 3)
                    .parent(bdf(1, 0, 0))
                    .build())
            .add(
                bridge(bdf(2, 1, 0), PciType.DOWNSTREAM_PORT, true, 4, 4)
                    .parent(bdf(1, 0, 0))
                    .build())
            .add(endpoint(bdf(3, 0, 0), bdf(2, 0, 0), true).build())
            .add(endpoint(bdf(4, 0, 0), bdf(2, 1, 0), true).build())
            .build();
    Map<Bdf, Device> d =
        bind(
            t,
            Set.of(),
            bdf(0, 2, 0),
            bdf(1, 0, 0),
            bdf(2, 0, 0),
            bdf(2, 1, 0),
            bdf(4, 0, 0),
            bdf(3, 0, 0));
    // Downstream ports without ACS: each endpoint climbs to its port and joins its group.
    assertThat(group(d, bdf(3, 0, 0))).isSameAs(group(d, bdf(2, 0, 0)));
    assertThat(group(d, bdf(4, 0, 0))).isSameAs(group(d, bdf(2, 1, 0)));
    assertThat(group(d, bdf(2, 0, 0))).isNotSameAs(group(d, bdf(2, 1, 0)));
    assertThat(group(d, bdf(1, 0, 0))).isNotSameAs(group(d, bdf(0, 2, 0)));
  }

  @Test
  void multiFunctionSiblingsWithoutAcsShareAndWithAcsDoNot() throws Exception {
    PciTopology.Builder b = PciTopology.builder().rootBus(0, 0);
    PciTopology noAcs =
        b.add(endpoint(bdf(0, 6, 0), null, false).multifunction(true).build())
            .add(endpoint(bdf(0, 6, 1), null, false).multifunction(true).build())
            .build();
    Map<Bdf, Device> d = bind(noAcs, Set.of(), bdf(0, 6, 0), bdf(0, 6, 1));
    assertThat(group(d, bdf(0, 6, 1))).isSameAs(group(d, bdf(0, 6, 0)));

    PciTopology acs =
        PciTopology.builder()
            .rootBus(0, 0)
            .add(endpoint(bdf(0, 6, 0), null, true).multifunction(true).acs(true).build())
            .add(endpoint(bdf(0, 6, 1), null, true).multifunction(true).acs(true).build())
            .build();
    Map<Bdf, Device> e = bind(acs, Set.of(), bdf(0, 6, 0), bdf(0, 6, 1));
    assertThat(group(e, bdf(0, 6, 1))).isNotSameAs(group(e, bdf(0, 6, 0)));
  }

  @Test
  void multiFunctionRootPortsShare() throws Exception {
    PciTopology t =
        PciTopology.builder()
            .rootBus(0, 0)
            .add(bridge(bdf(0, 7, 0), PciType.ROOT_PORT, true, 2, 2).multifunction(true).build())
            .add(bridge(bdf(0, 7, 1), PciType.ROOT_PORT, true, 3, 3).multifunction(true).build())
            .add(endpoint(bdf(3, 0, 0), bdf(0, 7, 1), true).build())
            .build();
    Map<Bdf, Device> d = bind(t, Set.of(), bdf(0, 7, 0), bdf(0, 7, 1), bdf(3, 0, 0));
    assertThat(group(d, bdf(0, 7, 1))).isSameAs(group(d, bdf(0, 7, 0)));
    assertThat(group(d, bdf(3, 0, 0))).isSameAs(group(d, bdf(0, 7, 0)));
  }

  @Test
  void failedDevicesHaveNoGroupAndLendNone() throws Exception {
    PciTopology t =
        PciTopology.builder()
            .rootBus(0, 0)
            .add(endpoint(bdf(0, 6, 0), null, false).multifunction(true).build())
            .add(endpoint(bdf(0, 6, 1), null, false).multifunction(true).build())
            .build();
    Map<Bdf, Device> d = bind(t, Set.of("0000:00:06.0"), bdf(0, 6, 0), bdf(0, 6, 1));
    assertThat(group(d, bdf(0, 6, 0))).isNull();
    assertThat(group(d, bdf(0, 6, 1))).isNotNull();
    assertThat(Objects.requireNonNull(group(d, bdf(0, 6, 1))).members())
        .containsExactly(d.get(bdf(0, 6, 1)));
  }

  @Test
  void intelIntegratedEndpointsAreIsolatedBySiblingsToo() throws Exception {
    PciTopology t =
        PciTopology.builder()
            .rootBus(0, 0)
            .add(
                PciDev.builder(bdf(0, 2, 0), PciType.RC_INTEGRATED_ENDPOINT)
                    .pcie(true)
                    .multifunction(true)
                    .id(0x8086, 0x1111)
                    .build())
            .add(
                PciDev.builder(bdf(0, 2, 1), PciType.RC_INTEGRATED_ENDPOINT)
                    .pcie(true)
                    .multifunction(true)
                    .id(0x8086, 0x1112)
                    .build())
            .build();
    Map<Bdf, Device> d = bind(t, Set.of(), bdf(0, 2, 0), bdf(0, 2, 1));
    assertThat(group(d, bdf(0, 2, 1))).isNotSameAs(group(d, bdf(0, 2, 0)));
  }

  @Test
  void nonPciDevicesGetGroupsOfTheirOwnAndGroupsKnowTheirInstance() throws Exception {
    IommuCore core = new IommuCore();
    GroupDriver driver = new GroupDriver(Set.of());
    driver.instance = new IommuInstance("bus-wide", null, driver);
    core.registerInstance(driver.instance);
    Device a = Device.builder("/a", BusKind.PLATFORM).build();
    Device b = Device.builder("/b", BusKind.PLATFORM).build();
    core.addDevice(a);
    core.addDevice(b);
    IommuGroup ga = Objects.requireNonNull(core.group(a));
    assertThat(ga).isNotSameAs(core.group(b));
    assertThat(ga.instance()).isSameAs(driver.instance);
    assertThat(core.pciDevice(bdf(0, 0, 0))).isNull();
  }
}
