#!/usr/bin/env bash
# Issue 14 item 4 on session 13's AMD EPYC, queue paused by the caller: session 8's 1-epoch 4-arm
# study (experiments/bench/study-throughput-w16.json; 2 jobs × 1 thread) by wall clock, then what
# `bench --jobs 2 --threads 1` predicts for it. Usage: M=<binary> [OUT=<folder>] bash study13.sh
# (OUT, added in session 26, writes the files there instead of beside this script.)
set -u
repo=$(cd "$(dirname "$0")/../../.." && pwd)
here=${OUT:-$(cd "$(dirname "$0")" && pwd)}
mkdir -p "$here"; here=$(cd "$here" && pwd)
M=${M:-$repo/.build/release/masklab}
/tmp/pingpong > "$here/pingpong-before.txt" 2>&1
out=$(mktemp -d)
/usr/bin/time -f "wall %e s" -o "$here/time.txt" "$M" compare "$repo/experiments/bench/study-throughput-w16.json" \
  --data "${MASKLAB_DATA:-/work/shared/data}" --out "$out" > "$here/log.txt" 2>&1
for d in "$out"/compare-throughput-w16/runs/*/seed-0; do
  arm=$(basename "$(dirname "$d")")
  mkdir -p "$here/runs/$arm"
  cp "$d"/metrics.csv "$d"/summary.json "$d"/command.txt "$here/runs/$arm/"
  [ -f "$d/importance.csv" ] && cp "$d/importance.csv" "$here/runs/$arm/"
done
rm -rf "$out"
"$M" bench --workloads resnet18-w16 --steps 10 --threads 1 --jobs 2 > "$here/bench-jobs2.txt" 2>&1
/tmp/pingpong > "$here/pingpong-after.txt" 2>&1
