package dev.iommufw.core;

/**
 * Ownership states of an {@link IommuFwspec} (see <a
 * href="{@docRoot}/dev/iommufw/core/doc-files/lifecycle.html">the fwspec lifecycle</a>).
 *
 * <pre>{@code
 *            alloc                 hand-off (probeDevice(dev, fwspec))
 * (none) ─────────► BUILDING ───────────────────────────────► INSTALLED
 *                      │  │  dealloc / close           │         │ release, unregister,
 *                      │  └──────────► FREED ◄─────────┘         │ probe failure
 *                      │                 ▲  discarded at hand-off│
 *                      └─────────────────┘◄──────────────────────┘
 * }</pre>
 *
 * <p>Every fwspec leaves {@link #BUILDING} exactly once, and {@link #FREED} is final.
 */
public enum FwspecState {
  /** Owned by the glue that allocated it; only that code may read or change it. */
  BUILDING,
  /** Owned by the core, installed in exactly one device; immutable. */
  INSTALLED,
  /** Released; any use fails. */
  FREED
}
