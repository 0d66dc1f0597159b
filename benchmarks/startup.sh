#!/usr/bin/env bash
# Start-up and batch figures of the report tool (issue 16), measured side by side in one run, and
# appended to benchmarks/RESULTS.md as one section:
#   A. one machine report, wall time: the launcher (CDS archive, C1, serial GC) and plain java -jar;
#   B. 200 machine reports (the shipped machines, repeated): one JVM vs one process per machine,
#      both through the launcher;
#   C. the visible DT corpus: one JVM (report --output-dir) vs dtc -I dtb -O dts once per file;
# each twice: as the machine is, then with the other core kept busy by a bounded busy loop.
#
#   benchmarks/startup.sh              build the report module (mvn -pl report -am package), run
#   SKIP_BUILD=1 benchmarks/startup.sh use report/target as it is
#   ROUNDS=n (default 3), SINGLE=n one-machine runs per variant (default 11), MACHINES=n (200),
#   PROC_ROUNDS=n rounds of the one-process-per-machine loop (default 1: about 200 JVM starts),
#   APPEND=0 to print the section without appending it (to check the script)
#
# Needs JDK 17+, dtc (apt-get install -y device-tree-compiler), python3 is not needed.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=benchmarks/target/startup
LAUNCHER=report/target/fwspec-report
JAR=report/target/fwspec-report.jar
CORPUS=${DT_CORPUS:-report/src/test/resources/testdata/dt}
SHIPPED=machine/src/test/resources/machines
ROUNDS=${ROUNDS:-3}
SINGLE=${SINGLE:-11}
MACHINES=${MACHINES:-200}
PROC_ROUNDS=${PROC_ROUNDS:-1} # rounds of the slow one-process-per-machine loop

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  mvn -B -q -ntp -DskipTests -Dmaven.javadoc.skip=true -pl report -am package
fi
command -v dtc >/dev/null || { echo "startup.sh: dtc not found (apt-get install -y device-tree-compiler)" >&2; exit 2; }
[ -x "$LAUNCHER" ] || { echo "startup.sh: $LAUNCHER missing (build the report module)" >&2; exit 2; }
rm -rf "$OUT"
mkdir -p "$OUT"

BUSY_PID=
cleanup() { if [ -n "$BUSY_PID" ]; then kill "$BUSY_PID" 2>/dev/null || true; wait "$BUSY_PID" 2>/dev/null || true; fi; }
trap cleanup EXIT

now() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

mapfile -t SHIPPED_DIRS < <(find "$SHIPPED" -name machine.json -printf '%h\n' | sort)
PATHS=()
for i in $(seq 0 $((MACHINES - 1))); do PATHS+=("${SHIPPED_DIRS[$((i % ${#SHIPPED_DIRS[@]}))]}"); done
ONE=${SHIPPED_DIRS[0]}
mapfile -t FILES < <(find "$CORPUS" -name '*.dtb' -not -path '*/malformed/*' | sort)

# Correctness first: the one-JVM batch prints, per machine, exactly what one process prints.
"$LAUNCHER" machine "${SHIPPED_DIRS[@]}" > "$OUT/batch.jsonl"
: > "$OUT/single.jsonl"
for d in "${SHIPPED_DIRS[@]}"; do
  echo "{\"file\":\"$d\"}" >> "$OUT/single.jsonl"
  "$LAUNCHER" machine "$d" >> "$OUT/single.jsonl"
done
cmp -s "$OUT/batch.jsonl" "$OUT/single.jsonl" && SAME=yes || SAME=NO

measure() { # variant name
  local v=$1 t0 t1 r
  for r in $(seq 1 "$SINGLE"); do
    t0=$(now); "$LAUNCHER" machine "$ONE" > /dev/null; t1=$(now); ms "$t0" "$t1" >> "$OUT/$v.one-launcher"
    # CPU time (user + system) of the same run: what start-up costs whatever the load.
    { TIMEFORMAT='%3U %3S'; time "$LAUNCHER" machine "$ONE" > /dev/null; } 2>&1 \
      | awk '{printf "%d\n", ($1 + $2) * 1000}' >> "$OUT/$v.one-launcher-cpu"
    t0=$(now); java -jar "$JAR" machine "$ONE" > /dev/null; t1=$(now); ms "$t0" "$t1" >> "$OUT/$v.one-plain"
  done
  for r in $(seq 1 "$ROUNDS"); do
    t0=$(now); "$LAUNCHER" machine "${PATHS[@]}" > /dev/null; t1=$(now); ms "$t0" "$t1" >> "$OUT/$v.batch-jvm"
    if [ "$r" -le "$PROC_ROUNDS" ]; then
      t0=$(now); for p in "${PATHS[@]}"; do "$LAUNCHER" machine "$p" > /dev/null; done; t1=$(now)
      ms "$t0" "$t1" >> "$OUT/$v.batch-procs"
    fi
    t0=$(now); for f in "${FILES[@]}"; do dtc -I dtb -O dts -o /dev/null "$f" 2>/dev/null || true; done; t1=$(now)
    ms "$t0" "$t1" >> "$OUT/$v.dtc"
    rm -rf "$OUT/corpus"
    t0=$(now); "$LAUNCHER" report --output-dir "$OUT/corpus" "${FILES[@]}" > /dev/null; t1=$(now)
    ms "$t0" "$t1" >> "$OUT/$v.corpus-jvm"
  done
}

LOAD_START=$(load)
SECONDS=0
measure quiet
LOAD_QUIET_END=$(load)
# The other core busy: a bounded busy loop (10 minutes at most), killed at the end.
timeout 600 sh -c 'while :; do :; done' &
BUSY_PID=$!
sleep 1
LOAD_BUSY_START=$(load)
measure busy
LOAD_END=$(load)
cleanup; BUSY_PID=

mismatch=0
for f in "${FILES[@]}"; do
  rel=${f#"$CORPUS"/}
  cmp -s "$OUT/corpus/$(basename "$f").jsonl" "$CORPUS/expected/${rel%.dtb}.jsonl" || mismatch=$((mismatch + 1))
done

row() { # variant label
  local v=$1 one plain cpu bj bp dt cj
  one=$(median < "$OUT/$v.one-launcher"); plain=$(median < "$OUT/$v.one-plain")
  cpu=$(median < "$OUT/$v.one-launcher-cpu")
  bj=$(median < "$OUT/$v.batch-jvm"); bp=$(median < "$OUT/$v.batch-procs")
  dt=$(median < "$OUT/$v.dtc"); cj=$(median < "$OUT/$v.corpus-jvm")
  printf '| %s | %s ms wall, %s ms CPU (plain `java -jar`: %s ms wall) | %s ms vs %s ms: **%s×** | %s ms vs %s ms: **%s×** |\n' \
    "$2" "$one" "$cpu" "$plain" "$bj" "$bp" "$(awk "BEGIN{printf \"%.1f\", $bp/$bj}")" \
    "$cj" "$dt" "$(awk "BEGIN{printf \"%.1f\", $dt/$cj}")"
}

{
  echo
  echo "## Start-up and batch runs of the report tool ($(date -u '+%Y-%m-%d %H:%M UTC'), benchmarks/startup.sh)"
  echo
  echo "Machine: $(nproc) cores, $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1);" \
    "JDK $(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.runtime.version = //p');" \
    "$(dtc --version 2>&1 | head -1); git $(git rev-parse --short HEAD 2>/dev/null || echo unknown)."
  echo "Load average (1, 5, 15 min): $LOAD_START at the start, $LOAD_QUIET_END after the first" \
    "variant, $LOAD_BUSY_START with the busy loop started, $LOAD_END at the end. On a shared machine" \
    "these figures are only as good as that load."
  echo
  echo "Medians: one machine report over $SINGLE runs; batches over $ROUNDS rounds, interleaved" \
    "(the one-process-per-machine loop: $PROC_ROUNDS round)." \
    "Launcher: \`report/target/fwspec-report\` (CDS archive from the build," \
    "\`-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmn16m -XX:-UsePerfData\`). $MACHINES machine reports: the" \
    "${#SHIPPED_DIRS[@]} machines of \`$SHIPPED\` repeated, \`fwspec-report machine P1 ... P$MACHINES\`" \
    "vs one launcher process per machine. DT corpus: the ${#FILES[@]} well-formed blobs," \
    "\`fwspec-report report --output-dir DIR FILE...\` vs \`dtc -I dtb -O dts -o /dev/null FILE\` per file."
  echo "Batch output = per-process output: $SAME. Corpus reports that differ from the expected ones: $mismatch."
  echo "Targets: one machine report ≤ 350 ms; $MACHINES machines in one JVM ≥ 5× one process each;" \
    "the corpus in one JVM ≥ 2× the dtc loop."
  echo
  echo "| variant | one machine report (launcher) | $MACHINES machine reports: one JVM vs one process each | DT corpus: one JVM vs dtc loop |"
  echo "|---|---:|---:|---:|"
  row quiet "as the machine was"
  row busy "other core busy (busy loop)"
  echo
  echo "Whole run: ${SECONDS} s. Raw times: \`benchmarks/target/startup/\`."
} > "$OUT/section.md"
[ "${APPEND:-1}" = 1 ] && cat "$OUT/section.md" >> benchmarks/RESULTS.md
cat "$OUT/section.md"
