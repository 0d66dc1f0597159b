#!/usr/bin/env bash
# API compatibility report of this tree against the baseline release (default 0.1.0).
# Builds the baseline from git history into the local Maven repository (the release is not on
# Maven Central), then runs the japicmp profile; reports land in <module>/target/japicmp/ and a
# one-line-per-module summary on stdout.
#   scripts/japicmp.sh [BASELINE_COMMIT]
set -euo pipefail
cd "$(dirname "$0")/.."
baseline_commit="${1:-191df43}"   # the last commit of 0.1.0
work="$(mktemp -d)"
trap 'git worktree remove --force "$work/base" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
git worktree add -q --detach "$work/base" "$baseline_commit"
(cd "$work/base" && mvn -B -ntp -q install -DskipTests -Dmaven.javadoc.skip=true)
mvn -B -ntp -q -Pjapicmp verify -DskipTests -Dmaven.javadoc.skip=true
for md in */target/japicmp/*.md; do
  [ -f "$md" ] || continue
  module="${md%%/*}"
  summary="$(grep -m1 -iE 'binary (in)?compatible|semver' "$md" || true)"
  echo "$module: $summary ($md)"
done
