/**
 * JMH benchmarks of iommufw: probing with a formed fwspec, registration over waiting devices, DTB
 * parsing and reports, IORT and VIOT look-ups; plus {@link dev.iommufw.benchmarks.FwspecFootprint}
 * (JOL) and {@link dev.iommufw.benchmarks.CorpusPerFile} (per-file corpus timings). {@code
 * benchmarks/run.sh} runs them all and writes {@code benchmarks/RESULTS.md}.
 */
@NullMarked
package dev.iommufw.benchmarks;

import org.jspecify.annotations.NullMarked;
