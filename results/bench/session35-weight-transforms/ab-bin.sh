#!/usr/bin/env bash
# Session 35 (issue 14): F(4×4)'s weight transforms in C (f4_weight_transforms.c) against the
# binary before them, paired: two release builds, A (before) and B (after), alternate within each
# round, their order swapping round by round; nothing else runs. The two give the same bits.
# Usage: bash ab-bin.sh OUT WORKLOAD THREADS ROUNDS BIN_A BIN_B
set -u
out=$1; w=$2; threads=$3; rounds=$4; a=$5; b=$6
mkdir -p "$out"
for r in $(seq 1 "$rounds"); do
  if (( r % 2 )); then order="after before"; else order="before after"; fi
  for v in $order; do
    if [ $v = before ]; then bin=$a; else bin=$b; fi
    "$bin" bench --workloads "$w" --steps 4 --warmup 1 --threads "$threads" \
      --json-file "$out/$v-$w-t$threads-round$r.json" > "$out/$v-$w-t$threads-round$r.txt" 2>&1
    echo "$(date -u +%T) load $(cut -d' ' -f1 /proc/loadavg) $v $w t$threads round $r: $(grep -o '"trainImagesPerSecond" *: *[0-9.]*' "$out/$v-$w-t$threads-round$r.json" | grep -o '[0-9.]*$') img/s, eval $(grep -o '"evalImagesPerSecond" *: *[0-9.]*' "$out/$v-$w-t$threads-round$r.json" | grep -o '[0-9.]*$')" >> "$out/log.txt"
  done
done
