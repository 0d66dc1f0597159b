#!/bin/sh
# Build step (report/pom.xml, phase package, after the shaded jar): puts the launcher beside
# fwspec-report.jar and records a class-data sharing archive, fwspec-report.jsa, from a training
# run of the jar on the machines shipped with it. Never fails the build: without CDS (another JVM,
# a read-only file system) it warns and the launcher runs without the archive.
#   package-launcher.sh JAVA TARGET_DIR SHIPPED_MACHINES_DIR LAUNCHER
java=$1 target=$2 machines=$3 launcher=$4
cp "$launcher" "$target/fwspec-report" && chmod 755 "$target/fwspec-report" \
  || echo "[WARNING] fwspec-report: could not write the launcher $target/fwspec-report"
rm -f "$target/fwspec-report.jsa"
# The training run uses the launcher's options, so the archive matches the runs that use it.
if "$java" -XX:ArchiveClassesAtExit="$target/fwspec-report.jsa" -XX:TieredStopAtLevel=1 \
    -XX:+UseSerialGC -jar "$target/fwspec-report.jar" machine \
    "$machines/linux-6.12-acpi-smmuv3" "$machines/linux-6.12-dt-smmuv3-custom-map" \
    > "$target/fwspec-report.jsa.log" 2>&1 && [ -s "$target/fwspec-report.jsa" ]; then
  echo "[INFO] fwspec-report: class-data sharing archive $target/fwspec-report.jsa"
else
  rm -f "$target/fwspec-report.jsa"
  echo "[WARNING] fwspec-report: no class-data sharing archive (see $target/fwspec-report.jsa.log);"
  echo "[WARNING] the launcher runs without it, only start-up is slower"
fi
exit 0
