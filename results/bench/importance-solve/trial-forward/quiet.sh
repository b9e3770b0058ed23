#!/usr/bin/env bash
# The quiet-window measurement of this folder (queue paused, nothing else running):
#  1. the cache-line round trip (../../../../shared/bench/pingpong.c) before and after;
#  2. run.sh: the backtracking joint solve, old vs new, 3 alternating rounds, 1 thread;
#  3. issue 14 item 4: the 1-epoch 4-arm study of experiments/bench/study-throughput-w16.json
#     (session 8's; 2 jobs × 1 thread) with the old and the new binary, wall clock by /usr/bin/time,
#     and `bench --jobs 2` for the new binary's prediction.
# Usage: OLD=… NEW=… PINGPONG=/tmp/pingpong bash quiet.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../../.." && pwd)
mkdir -p "$here/raw" "$here/study"
"$PINGPONG" > "$here/raw/pingpong-before.txt" 2>&1
bash "$here/run.sh"
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
  cat "$here/study/$b-time.txt"
done
"$NEW" bench --workloads resnet18-w16 --steps 10 --threads 1 --jobs 2 > "$here/study/bench-jobs2-new.txt" 2>&1
"$PINGPONG" > "$here/raw/pingpong-after.txt" 2>&1
