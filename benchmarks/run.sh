#!/usr/bin/env bash
# Runs the iommufw benchmark suite (issue 6) and writes benchmarks/RESULTS.md.
#
#   benchmarks/run.sh                 build (mvn -pl benchmarks -am package), then run everything
#   SKIP_BUILD=1 benchmarks/run.sh    use the jars already in */target
#   QUICK=1 benchmarks/run.sh         minimal iterations, to check the script (numbers meaningless)
#   BENCH_NICE=-20 benchmarks/run.sh  run every measured process at that niceness (needs root):
#                                     on a machine shared with other work, the measured
#                                     processes then get a CPU instead of a tenth of one
#
# About 7 minutes on 2 cores. Needs a JDK 17+, Maven (for the build), python3 and dtc
# (`apt-get install -y device-tree-compiler`) for the batch-report comparison.
# Raw outputs go to benchmarks/target/results/; RESULTS.md is generated from them by
# benchmarks/make_results.py.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=benchmarks/target/results
JAR=benchmarks/target/benchmarks.jar
TOOL=report/target/fwspec-report.jar
CORPUS=${DT_CORPUS:-report/src/test/resources/testdata/dt}
ROUNDS=${ROUNDS:-5}

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  mvn -B -q -DskipTests -pl benchmarks -am package
fi
command -v dtc >/dev/null || { echo "run.sh: dtc not found (apt-get install -y device-tree-compiler)" >&2; exit 2; }
rm -rf "$OUT"
mkdir -p "$OUT"
SECONDS=0
# Private copies, so that a concurrent build cannot swap a jar in the middle of the run.
JAR_NAME=$JAR TOOL_NAME=$TOOL
cp "$JAR" "$OUT/benchmarks.jar" && JAR=$OUT/benchmarks.jar
cp "$TOOL" "$OUT/fwspec-report.jar" && TOOL=$OUT/fwspec-report.jar
PRIO=()
if [ "${BENCH_NICE:-0}" != 0 ] && nice -n "$BENCH_NICE" true 2>/dev/null; then
  PRIO=(nice -n "$BENCH_NICE")
fi

{
  echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)"
  echo "cores=$(nproc)"
  echo "memory=$(free -g | awk '/^Mem:/{print $2 " GiB"}')"
  echo "kernel=$(uname -srm)"
  echo "java=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.runtime.version = //p') ($(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.vm.name = //p'))"
  echo "dtc=$(dtc --version 2>&1 | head -1)"
  echo "git=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "load_start=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "niceness=${PRIO[*]:-none (default priority)}"
} > "$OUT/machine.txt"

jmh() { # name, then JMH arguments
  local name=$1; shift
  echo "== JMH $name: ${PRIO[*]} java -jar $JAR_NAME $*" | tee -a "$OUT/commands.txt"
  # JMH measures alone (/tmp/jmh.lock); wait while another JMH run (a test, say) holds it.
  for attempt in $(seq 1 60); do
    if "${PRIO[@]}" java -jar "$JAR" "$@" -rf json -rff "$OUT/$name.json" > "$OUT/$name.log" 2>&1; then
      break
    elif grep -q 'Unable to acquire the JMH lock' "$OUT/$name.log" && [ "$attempt" -lt 60 ]; then
      sleep 5
    else
      tail -40 "$OUT/$name.log" >&2
      exit 1
    fi
  done
  grep -E '^(Benchmark|[A-Z][A-Za-z]+Benchmark\.)' "$OUT/$name.log" || true
}

if [ "${QUICK:-0}" = 1 ]; then # checks the script itself; the numbers mean nothing
  PROBE_SMALL=(-wi 1 -i 1 -p devices=1000,10000 -p jitWarmupCycles=1000)
  PROBE_LARGE=(-wi 0 -i 1 -p devices=100000 -p jitWarmupCycles=1000)
  REG_ARGS=(-wi 0 -i 1 -p waiting=10000)
  TIMED_ARGS=(-wi 1 -w 100ms -i 1 -r 100ms)
  ROUNDS=1
else
  # Small systems: many short shots, so that one disturbed shot weighs little.
  PROBE_SMALL=(-wi 10 -i 40 -gc true -p devices=1000,10000)
  PROBE_LARGE=(-wi 4 -i 8 -gc true -p devices=100000,1000000)
  REG_ARGS=(-wi 1 -i 3 -gc true)
  TIMED_ARGS=(-wi 2 -w 1s -i 3 -r 1s)
fi
# 1. probe with a formed fwspec, 10^3..10^6 devices (single shots, see ProbeBenchmark).
jmh probe-small ProbeBenchmark -f 1 "${PROBE_SMALL[@]}"
jmh probe-large ProbeBenchmark -f 1 "${PROBE_LARGE[@]}"
# 2. registering K instances over N waiting devices.
jmh register RegisterBenchmark -f 1 "${REG_ARGS[@]}"
# 3. DTB parse and full report, chosen files and the whole corpus.
jmh dtb DtbBenchmark -f 1 "${TIMED_ARGS[@]}" -jvmArgsAppend "-Diommufw.dtCorpus=$CORPUS"
# 4. IORT walk, VIOT look-up.
jmh acpi AcpiBenchmark -f 1 "${TIMED_ARGS[@]}"

# 5. memory per installed fwspec (JOL).
echo "== ${PRIO[*]} java -cp $JAR_NAME dev.iommufw.benchmarks.FwspecFootprint" | tee -a "$OUT/commands.txt"
"${PRIO[@]}" java -Djdk.attach.allowAttachSelf=true -cp "$JAR" dev.iommufw.benchmarks.FwspecFootprint \
  > "$OUT/footprint.md" 2> "$OUT/footprint.err"
cat "$OUT/footprint.md"

# 3b. every corpus file, parse and report (plain harness).
echo "== ${PRIO[*]} java -cp $JAR_NAME dev.iommufw.benchmarks.CorpusPerFile 3 20" | tee -a "$OUT/commands.txt"
"${PRIO[@]}" java -Diommufw.dtCorpus="$CORPUS" -cp "$JAR" dev.iommufw.benchmarks.CorpusPerFile 3 20 \
  > "$OUT/perfile.tsv"

# 6. the whole visible DT corpus: one JVM in batch mode vs dtc once per file, same files.
mapfile -t FILES < <(find "$CORPUS" -name '*.dtb' -not -path '*/malformed/*' | sort)
echo "${#FILES[@]}" > "$OUT/batch-files.txt"
now() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }
JAVA_TUNED=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto)
{
  echo "${PRIO[*]} dtc -I dtb -O dts -o /dev/null FILE  (once per file, ${#FILES[@]} files)"
  echo "${PRIO[*]} java -jar $TOOL_NAME report --output-dir DIR FILE...  (one JVM, ${#FILES[@]} files)"
  echo "${PRIO[*]} java ${JAVA_TUNED[*]} -jar $TOOL_NAME report --output-dir DIR FILE..."
} >> "$OUT/commands.txt"
echo -e "round\tdtc_ms\tjava_ms\tjava_tuned_ms" > "$OUT/batch.tsv"
for round in $(seq 1 "$ROUNDS"); do
  t0=$(now)
  for f in "${FILES[@]}"; do "${PRIO[@]}" dtc -I dtb -O dts -o /dev/null "$f" 2>/dev/null || true; done
  t1=$(now)
  rm -rf "$OUT/batch"
  "${PRIO[@]}" java -jar "$TOOL" report --output-dir "$OUT/batch" "${FILES[@]}" > /dev/null
  t2=$(now)
  rm -rf "$OUT/batch"
  "${PRIO[@]}" java "${JAVA_TUNED[@]}" -jar "$TOOL" report --output-dir "$OUT/batch" "${FILES[@]}" > /dev/null
  t3=$(now)
  echo -e "$round\t$(ms "$t0" "$t1")\t$(ms "$t1" "$t2")\t$(ms "$t2" "$t3")" | tee -a "$OUT/batch.tsv"
done
# The batch output must be the real report: compare with the corpus's expected reports.
mismatch=0
for f in "${FILES[@]}"; do
  rel=${f#"$CORPUS"/}
  cmp -s "$OUT/batch/$(basename "$f").jsonl" "$CORPUS/expected/${rel%.dtb}.jsonl" || mismatch=$((mismatch + 1))
done
echo "$mismatch" > "$OUT/batch-mismatch.txt"

echo "load_end=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/machine.txt"
echo "elapsed=${SECONDS}s" >> "$OUT/machine.txt"
python3 benchmarks/make_results.py "$OUT" > benchmarks/RESULTS.md
echo "run.sh: wrote benchmarks/RESULTS.md in ${SECONDS}s"
