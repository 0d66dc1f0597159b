package dev.iommufw.of;

/**
 * One entry of a blob's memory reservation block: a physical range the OS must not use.
 *
 * @param address start address (unsigned 64-bit)
 * @param size size in bytes (unsigned 64-bit)
 */
public record FdtReservation(long address, long size) {}
