#!/usr/bin/env bash
# Session 33 (issue 14): ResNet-18 width 64 with WinogradF4's chunks of at least N tiles (the
# `amortising` rule of WinogradF4.Plan, 256 by default), through an uncommitted getenv read
# MASKLAB_EXP_F4_MINTILES in a build of 1f34624. Variants alternate within each round; nothing else runs.
# Usage: bash ab-env.sh OUT THREADS ROUNDS BIN N1 N2 …
set -u
out=$1; threads=$2; rounds=$3; bin=$4; shift 4
mkdir -p "$out"
for r in $(seq 1 "$rounds"); do
  for n in "$@"; do
    MASKLAB_EXP_F4_MINTILES=$n "$bin" bench --workloads resnet18-w64 --steps 4 --warmup 1 --threads "$threads" \
      --json-file "$out/tiles$n-t$threads-round$r.json" > "$out/tiles$n-t$threads-round$r.txt" 2>&1
    echo "$(date -u +%T) load $(cut -d' ' -f1 /proc/loadavg) tiles $n t$threads round $r: $(grep -o '"trainImagesPerSecond" *: *[0-9.]*' "$out/tiles$n-t$threads-round$r.json" | grep -o '[0-9.]*$') img/s" >> "$out/log.txt"
  done
done
