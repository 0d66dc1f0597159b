package dev.iommufw.kerneldiff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iommufw.kerneldiff.FwspecTrace.End;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FwspecTraceTest {
  private final List<String> lines = new ArrayList<>();

  private void ev(String name, String rest) {
    lines.add("       swapper/0-1       [000] d....     3.12: " + name + ": (sym+0x0/0x8) " + rest);
  }

  private void ret(String name, String sym, int ret) {
    lines.add(
        "       swapper/0-1       [000] d..1.     3.12: "
            + name
            + ": (caller+0x3c/0x88 <- "
            + sym
            + ") ret="
            + ret);
  }

  private static FwspecTrace.Device device(FwspecTrace t, String name) {
    FwspecTrace.Device d = t.device(name);
    if (d == null) {
      throw new AssertionError("no events for " + name);
    }
    return d;
  }

  @Test
  void anotherFwinitWhileTheFwspecIsOpenAddsToIt() throws Exception {
    ev("fwinit", "dev=\"0000:03:01.0\" fwnode=0xffff1");
    ev("fwadd", "dev=\"0000:03:01.0\" n=1 id0=0x308 id1=0x0");
    ret("fwadd_ret", "iommu_fwspec_add_ids", 0);
    ev("fwinit", "dev=\"0000:03:01.0\" fwnode=0xffff1");
    ev("fwadd", "dev=\"0000:03:01.0\" n=1 id0=0x300 id1=0x0");
    ret("fwadd_ret", "iommu_fwspec_add_ids", 0);
    ev("probe", "dev=\"0000:03:01.0\"");
    ret("probe_ret", "__iommu_probe_device", 0);

    FwspecTrace.Device d = device(FwspecTrace.parse(lines), "0000:03:01.0");

    assertThat(d.ids().asList()).containsExactly(0x308, 0x300);
    assertThat(d.end()).isEqualTo(End.PROBED);
  }

  @Test
  void aFailedProbeEndsTheFwspecWithItsErrnoEvenAfterAFreeInsideThatProbe() throws Exception {
    ev("probe", "dev=\"0000:03:02.0\"");
    ev("fwinit", "dev=\"0000:03:02.0\" fwnode=0xffff1");
    ev("fwadd", "dev=\"0000:03:02.0\" n=1 id0=0x310 id1=0x0");
    ret("fwadd_ret", "iommu_fwspec_add_ids", 0);
    ev("devfree", "dev=\"0000:03:02.0\"");
    ret("probe_ret", "__iommu_probe_device", -19);

    FwspecTrace.Device d = device(FwspecTrace.parse(lines), "0000:03:02.0");

    assertThat(d.end()).isEqualTo(End.FAILED);
    assertThat(d.errno()).isEqualTo(19);
    assertThat(d.ids().asList()).containsExactly(0x310);
  }

  @Test
  void aFwspecFreedBeforeItsProbeFailsIsFreedNotFailed() throws Exception {
    // device add before the IOMMU registered: the glue frees the half-built fwspec
    ev("probe", "dev=\"0000:00:01.0\"");
    ev("fwinit", "dev=\"0000:00:01.0\" fwnode=0xffff1");
    ev("fwfree", "dev=\"0000:00:01.0\"");
    ev("devfree", "dev=\"0000:00:01.0\"");
    ret("probe_ret", "__iommu_probe_device", -19);

    FwspecTrace.Device d = device(FwspecTrace.parse(lines), "0000:00:01.0");

    assertThat(d.end()).isEqualTo(End.FREED);
  }

  @Test
  void aDevfreeOutsideTheDevicesOwnProbeReleasesAProbedFwspecAndTheNextFwinitStartsAnew()
      throws Exception {
    ev("probe", "dev=\"0000:00:01.0\"");
    ev("fwinit", "dev=\"0000:00:01.0\" fwnode=0xffff1");
    ev("fwadd", "dev=\"0000:00:01.0\" n=1 id0=0x8 id1=0x0");
    ret("fwadd_ret", "iommu_fwspec_add_ids", 0);
    ret("probe_ret", "__iommu_probe_device", 0);
    ev("probe", "dev=\"0000:01:00.0\"");
    ev("devfree", "dev=\"0000:00:01.0\""); // the instance failed to register: released
    ret("probe_ret", "__iommu_probe_device", -34);

    FwspecTrace.Device released = device(FwspecTrace.parse(lines), "0000:00:01.0");
    assertThat(released.end()).isEqualTo(End.FREED);

    ev("fwinit", "dev=\"0000:00:01.0\" fwnode=0xffff1"); // the driver re-probes later

    FwspecTrace.Device again = device(FwspecTrace.parse(lines), "0000:00:01.0");
    assertThat(again.end()).isEqualTo(End.OPEN);
    assertThat(again.ids().asList()).isEmpty();
  }

  @Test
  void aRebuiltFwspecThatIsNeverProbedLeavesTheFailedOneAsTheOutcome() throws Exception {
    ev("probe", "dev=\"0000:01:01.0\"");
    ev("fwinit", "dev=\"0000:01:01.0\" fwnode=0xffff1");
    ev("fwadd", "dev=\"0000:01:01.0\" n=1 id0=0x108 id1=0x0");
    ev("fwadd", "dev=\"0000:01:01.0\" n=1 id0=0x8 id1=0x0");
    ev("devfree", "dev=\"0000:01:01.0\"");
    ret("probe_ret", "__iommu_probe_device", -19);
    // the driver binds: ACPI builds the fwspec again, and nothing probes it
    ev("fwinit", "dev=\"0000:01:01.0\" fwnode=0xffff1");
    ev("fwadd", "dev=\"0000:01:01.0\" n=1 id0=0x108 id1=0x0");
    ev("fwadd", "dev=\"0000:01:01.0\" n=1 id0=0x8 id1=0x0");

    FwspecTrace.Device d = device(FwspecTrace.parse(lines), "0000:01:01.0");

    assertThat(d.end()).isEqualTo(End.FAILED);
    assertThat(d.errno()).isEqualTo(19);
    assertThat(d.ids().asList()).containsExactly(0x108, 0x8);
  }

  @Test
  void twoIdsInOneCallAreBothRecordedAndTheAddOrderIsTheFirstAdd() throws Exception {
    ev("fwinit", "dev=\"9030000.pl061\" fwnode=0xffff1");
    ev("fwadd", "dev=\"9030000.pl061\" n=2 id0=0x50 id1=0x51");
    ev("fwinit", "dev=\"0000:00:01.0\" fwnode=0xffff1");
    ev("fwadd", "dev=\"0000:00:01.0\" n=1 id0=0x8 id1=0x0");
    ev("fwadd", "dev=\"9030000.pl061\" n=1 id0=0x52 id1=0x0");

    FwspecTrace t = FwspecTrace.parse(lines);

    FwspecTrace.Device d = device(t, "9030000.pl061");
    assertThat(d.ids().asList()).containsExactly(0x50, 0x51, 0x52);
    assertThat(t.addOrder()).containsExactly("9030000.pl061", "0000:00:01.0");
  }

  @Test
  void aTraceWhoseBufferLostRecordsIsRejected() {
    lines.add("# entries-in-buffer/entries-written: 193/293   #P:1");

    assertThatThrownBy(() -> FwspecTrace.parse(lines))
        .isInstanceOf(ObservationException.class)
        .hasMessageContaining("kept 193 of 293");
  }

  @Test
  void aTraceWhoseBufferKeptEveryRecordIsRead() throws Exception {
    lines.add("# entries-in-buffer/entries-written: 1/1   #P:1");
    ev("fwinit", "dev=\"0000:00:01.0\" fwnode=0xffff1");

    assertThat(FwspecTrace.parse(lines).devices()).containsOnlyKeys("0000:00:01.0");
  }

  @Test
  void anEventWithoutItsDeviceFieldIsRejectedNamingTheLine() {
    ev("fwinit", "fwnode=0xffff1");

    assertThatThrownBy(() -> FwspecTrace.parse(lines))
        .isInstanceOf(ObservationException.class)
        .hasMessageContaining("trace line 1")
        .hasMessageContaining("no field dev");
  }
}
