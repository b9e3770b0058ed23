#!/usr/bin/env bash
# Session 34 (issue 14): WinogradF4's input transform in C with AVX-512 (masklab_f4_input_transform)
# and the other F(4×4) transforms' C kernels against their Swift twins, in one binary:
# MASKLAB_F4_VECTOR_TRANSFORMS=0 runs the Swift twins. The two give the same bits; only the speed differs.
# Variants alternate within each round, their order swapping round by round; nothing else runs.
# Usage: bash ab-env.sh OUT WORKLOAD THREADS ROUNDS BIN
set -u
out=$1; w=$2; threads=$3; rounds=$4; bin=$5
mkdir -p "$out"
for r in $(seq 1 "$rounds"); do
  if (( r % 2 )); then order="vector portable"; else order="portable vector"; fi
  for v in $order; do
    if [ $v = portable ]; then export MASKLAB_F4_VECTOR_TRANSFORMS=0; else unset MASKLAB_F4_VECTOR_TRANSFORMS; fi
    "$bin" bench --workloads "$w" --steps 4 --warmup 1 --threads "$threads" \
      --json-file "$out/$v-$w-t$threads-round$r.json" > "$out/$v-$w-t$threads-round$r.txt" 2>&1
    echo "$(date -u +%T) load $(cut -d' ' -f1 /proc/loadavg) $v $w t$threads round $r: $(grep -o '"trainImagesPerSecond" *: *[0-9.]*' "$out/$v-$w-t$threads-round$r.json" | grep -o '[0-9.]*$') img/s, eval $(grep -o '"evalImagesPerSecond" *: *[0-9.]*' "$out/$v-$w-t$threads-round$r.json" | grep -o '[0-9.]*$')" >> "$out/log.txt"
  done
done
unset MASKLAB_F4_VECTOR_TRANSFORMS
