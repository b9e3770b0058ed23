#!/usr/bin/env bash
# Issue 14 item 4 in a quiet window (study queue paused, nothing else running): the 1-epoch 4-arm
# study of experiments/bench/study-throughput-w16.json (session 8's; 2 jobs × 1 thread) with the
# old and the new binary, wall clock by /usr/bin/time, the round trip before and after, and
# `bench --jobs 2 --threads 1` of the new binary for its prediction.
# Usage: OLD=… NEW=… PINGPONG=/tmp/pingpong bash study.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../../.." && pwd)
mkdir -p "$here/study"
"$PINGPONG" > "$here/study/pingpong-before.txt" 2>&1
for b in old new; do
  M=$([ $b = old ] && echo "$OLD" || echo "$NEW")
  out=$(mktemp -d)
  /usr/bin/time -f "wall %e s" -o "$here/study/$b-time.txt" "$M" compare "$repo/experiments/bench/study-throughput-w16.json" \
    --data "${MASKLAB_DATA:-/work/shared/data}" --out "$out" > "$here/study/$b-log.txt" 2>&1
  for d in "$out"/compare-throughput-w16/runs/*/seed-0; do
    arm=$(basename "$(dirname "$d")")
    mkdir -p "$here/study/$b/$arm"
    cp "$d"/metrics.csv "$d"/summary.json "$here/study/$b/$arm/"
    [ -f "$d/importance.csv" ] && cp "$d/importance.csv" "$here/study/$b/$arm/"
  done
  rm -rf "$out"
  echo "$b: $(cat "$here/study/$b-time.txt")"
done
"$NEW" bench --workloads resnet18-w16 --steps 10 --threads 1 --jobs 2 > "$here/study/bench-jobs2-new.txt" 2>&1
"$PINGPONG" > "$here/study/pingpong-after.txt" 2>&1
