package dev.iommufw.of;

import java.util.Objects;

/** Non-null look-ups for tests. */
final class Trees {
  private Trees() {}

  static FdtNode at(Fdt fdt, String path) {
    return Objects.requireNonNull(fdt.node(path), path);
  }

  static FdtProperty prop(FdtNode node, String name) {
    return Objects.requireNonNull(node.property(name), name);
  }
}
