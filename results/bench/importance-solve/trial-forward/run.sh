#!/usr/bin/env bash
# Issue 14, items 3–4: the backtracking joint solve of study F's setting (100 steps, η 0.05,
# rms, one batch, λ 0, 1 thread) on the trained ResNet-18 width 16 of study F's baseline seed 0,
# old binary (5332831: every step runs its own forward) against new (c144cb3: a step after an
# accepted trial reuses the trial's forward), alternating, 3 rounds. Same outputs bit for bit
# (histograms.csv identical; stats.csv differs only in the seconds column).
# Usage: OLD=/path/to/masklab-5332831 NEW=/path/to/masklab-c144cb3 bash run.sh
set -u
RUN=${RUN:-/work/main/results/compare-study-cifar-final/runs/baseline/seed-0}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$here/raw"
for r in 1 2 3; do
  for b in old new; do
    M=$([ $b = old ] && echo "$OLD" || echo "$NEW")
    out=$(mktemp -d)
    "$M" importance "$RUN" --data "${MASKLAB_DATA:-/work/shared/data}" --out "$out/imp" \
      --importance-step-control backtracking --importance-steps 100 --importance-eta 0.05 --threads 1 \
      > "$here/raw/$b-r$r.txt" 2>&1
    cp "$out/imp/stats.csv" "$here/raw/$b-r$r-stats.csv"; cp "$out/imp/histograms.csv" "$here/raw/$b-r$r-histograms.csv"
    rm -rf "$out"
    grep "tensors in" "$here/raw/$b-r$r.txt" | sed "s/^/$b r$r: /"
  done
done
