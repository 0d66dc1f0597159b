#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# compare.sh — differential check of the DTB reader (dev.iommufw.of.Fdt) against libfdt's
# fdt_check_full(). Not part of the Maven build (which must stay offline and C-free); run it by
# hand when the reader's checks change. LibfdtAgreementTest keeps the verdicts that matter
# asserted offline in `mvn verify`.
#
#   DTC_TESTS=/path/to/dtc/tests of-glue/src/test/libfdt/compare.sh [OUT_DIR]
#
# DTC_TESTS: dtc's tests/ directory (git://git.kernel.org/pub/scm/utils/dtc/dtc.git or
#   github.com/dgibson/dtc; at least trees.S, testdata.h and the *.dts to compile). Its files are
#   GPL-licensed and are NOT copied into this project: gen_blobs.py only writes blobs to OUT_DIR.
# Needs: Debian packages libfdt-dev, device-tree-compiler, gcc, binutils; python3; mvn.
# The project's DT corpus (examples/src/test/resources/testdata/dt) is checked as well.
#
# Output: a table of every blob on which the two disagree (one accepts, the other rejects), then
# counts per pair of verdicts. Exit status 0 when they agree on every blob, 1 otherwise.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../../.." && pwd)
: "${DTC_TESTS:?set DTC_TESTS to dtc's tests/ directory}"
OUT=${1:-${TMPDIR:-/tmp}/iommufw-libfdt-compare}
MUTANTS=${MUTANTS:-3000}

rm -rf "$OUT"
mkdir -p "$OUT"

cc -O1 -Wall -Wextra -o "$OUT/fdt_check" "$HERE/fdt_check.c" -lfdt
python3 "$HERE/gen_blobs.py" "$DTC_TESTS" "$OUT/blobs" "$MUTANTS"

# The Java side: compile of-glue's tests in the reactor (no install) and take its classpath.
(cd "$ROOT" && mvn -B -ntp -q -pl of-glue -am test-compile dependency:build-classpath \
  -Dmaven.javadoc.skip=true -Dmdep.outputFile="$OUT/cp.txt" >"$OUT/mvn.log" 2>&1) \
  || { cat "$OUT/mvn.log"; exit 2; }
CP="$ROOT/of-glue/target/test-classes:$ROOT/of-glue/target/classes:$(cat "$OUT/cp.txt")"

{
  find "$OUT/blobs" -path "$OUT/blobs/.work" -prune -o -name '*.dtb' -print
  find "$ROOT/examples/src/test/resources/testdata/dt" -name '*.dtb' -not -path '*/expected/*'
} | LC_ALL=C sort >"$OUT/files.txt"

# LibfdtAgreementTest's rebuilt equivalents of trees.S must equal the assembled originals.
java -cp "$CP" dev.iommufw.of.FdtVerdictMain --dump-dtc-trees "$OUT/rebuilt"
for f in "$OUT"/rebuilt/*.dtb; do
  cmp -s "$f" "$OUT/blobs/trees/$(basename "$f")" \
    || { echo "DtcTestTrees: $(basename "$f") differs from trees.S"; exit 2; }
done
echo "DtcTestTrees: $(ls "$OUT"/rebuilt | wc -l) rebuilt trees equal trees.S byte for byte"

xargs "$OUT/fdt_check" <"$OUT/files.txt" >"$OUT/libfdt.tsv"
java -cp "$CP" dev.iommufw.of.FdtVerdictMain <"$OUT/files.txt" >"$OUT/java.tsv"

# Join on the file name; shorten names for the table.
awk -F'\t' -v out="$OUT/blobs/" -v root="$ROOT/" '
  function short(f) { sub(out, "", f); sub(root, "", f); return f }
  NR == FNR { lib[$1] = $2; next }
  {
    f = $1; j = $2; l = lib[f]; total++
    pair[j " / " l]++
    if ((j == "OK") != (l == "OK")) {
      bad++
      printf "%-44s %-14s %-20s %s\n", short(f), j, l, (j == "OK" ? "" : $3)
    }
  }
  END {
    printf "\n%d blobs, %d disagreements (accept vs reject)\n\njava / libfdt verdict pairs:\n", total, bad
    for (p in pair) printf "  %6d  %s\n", pair[p], p | "sort -k2"
    close("sort -k2")
    exit bad > 0
  }' "$OUT/libfdt.tsv" "$OUT/java.tsv"
