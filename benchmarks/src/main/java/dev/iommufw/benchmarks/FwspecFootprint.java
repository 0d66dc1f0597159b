package dev.iommufw.benchmarks;

import dev.iommufw.core.BusKind;
import dev.iommufw.core.Device;
import dev.iommufw.core.FwspecState;
import dev.iommufw.core.IommuCore;
import dev.iommufw.core.IommuException;
import dev.iommufw.core.IommuFwspec;
import dev.iommufw.core.IommuInstance;
import dev.iommufw.core.ProbeResult;
import dev.iommufw.core.testing.StandInDriver;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import org.openjdk.jol.info.ClassLayout;
import org.openjdk.jol.vm.VM;

/**
 * Benchmark 5: the memory one installed fwspec costs, measured with JOL (kernel: {@code struct
 * iommu_fwspec} plus its {@code ids[]}).
 *
 * <p>Counted: the fwspec object and every array it references that no other fwspec shares (the
 * IDs). Not counted, and listed as such: the other objects it references, which all fwspecs of a
 * system or instance share (the core's per-instance record of core, IOMMU node and driver ops; enum
 * constants and shared empty arrays are skipped silently), as the kernel's figure does not count
 * the {@code fwnode} or {@code ops} either. A new exclusively owned non-array field would show up
 * in that list.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar dev.iommufw.benchmarks.FwspecFootprint}
 * prints a Markdown table (ids, bytes, target, verdict) and the JOL layout of the class.
 */
public final class FwspecFootprint {
  /** The footprint target: at most this many bytes per installed fwspec, plus 4 per ID. */
  public static final int TARGET_BASE = 48;

  private FwspecFootprint() {}

  /**
   * One measurement.
   *
   * @param ids the number of IDs
   * @param bytes the fwspec's own footprint
   * @param detail what was counted
   */
  public record Footprint(int ids, long bytes, String detail) {
    /**
     * The target for this many IDs.
     *
     * @return 48 + 4 × ids
     */
    public long target() {
      return TARGET_BASE + 4L * ids;
    }
  }

  /**
   * Measures an installed fwspec with {@code idCount} IDs.
   *
   * @param idCount the number of IDs, at least 1
   * @return the footprint
   * @throws IommuException never: the instance is registered
   */
  public static Footprint measure(int idCount) throws IommuException {
    StandInDriver driver = StandInDriver.minimal("bench");
    IommuCore core = new IommuCore();
    IommuInstance smmu = driver.newInstance("smmu0");
    core.registerInstance(smmu);
    Device dev = Device.builder("dev0", BusKind.PLATFORM).build();
    core.addDevice(dev);
    IommuFwspec fwspec = ProbeBenchmark.formFwspec(core, smmu, dev, 0x100);
    for (int i = 1; i < idCount; i++) {
      fwspec.appendIds(0x100 + i);
    }
    ProbeResult r = core.probeDevice(dev, fwspec);
    if (!(r instanceof ProbeResult.Bound) || fwspec.state() != FwspecState.INSTALLED) {
      throw new IllegalStateException("fwspec not installed: " + r);
    }
    return footprint(fwspec, idCount);
  }

  private static Footprint footprint(IommuFwspec fwspec, int idCount) {
    long total = VM.current().sizeOf(fwspec);
    StringBuilder detail =
        new StringBuilder(IommuFwspec.class.getSimpleName()).append(' ').append(total);
    IdentityHashMap<Object, Boolean> shared = new IdentityHashMap<>();
    List<Field> instanceFields = new ArrayList<>();
    for (Class<?> c = IommuFwspec.class; c != null; c = c.getSuperclass()) {
      for (Field f : c.getDeclaredFields()) {
        if (f.getType().isPrimitive()) {
          continue;
        }
        f.setAccessible(true);
        if (Modifier.isStatic(f.getModifiers())) {
          Object v = get(f, null);
          if (v != null) {
            shared.put(v, Boolean.TRUE);
          }
        } else {
          instanceFields.add(f);
        }
      }
    }
    StringBuilder notCounted = new StringBuilder();
    for (Field f : instanceFields) {
      Object v = get(f, fwspec);
      if (v != null && v.getClass().isArray() && !shared.containsKey(v)) {
        long size = VM.current().sizeOf(v);
        total += size;
        detail.append(" + ").append(f.getName()).append(' ').append(size);
      } else if (v != null && !shared.containsKey(v)) {
        notCounted
            .append(notCounted.length() == 0 ? "" : ", ")
            .append(v.getClass().getSimpleName());
      }
    }
    if (notCounted.length() > 0) {
      detail.append(" (shared, not counted: ").append(notCounted).append(')');
    }
    return new Footprint(idCount, total, detail.toString());
  }

  private static @org.jspecify.annotations.Nullable Object get(
      Field f, @org.jspecify.annotations.Nullable Object target) {
    try {
      return f.get(target);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Prints the table and the class layout.
   *
   * @param args unused
   * @throws IommuException never
   */
  public static void main(String[] args) throws IommuException {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    out.println("| IDs | bytes per installed fwspec | target (48 + 4/ID) | met | counted |");
    out.println("|---:|---:|---:|:---:|---|");
    for (int n : new int[] {1, 2, 4, 8}) {
      Footprint f = measure(n);
      out.printf(
          "| %d | %d | %d | %s | %s |%n",
          f.ids(), f.bytes(), f.target(), f.bytes() <= f.target() ? "yes" : "**no**", f.detail());
    }
    out.println();
    out.println("JOL layout (" + VM.current().details().lines().findFirst().orElse("") + "):");
    out.println();
    out.println("```");
    out.print(ClassLayout.parseClass(IommuFwspec.class).toPrintable());
    out.println("```");
  }
}
