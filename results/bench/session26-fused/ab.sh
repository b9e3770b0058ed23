#!/usr/bin/env bash
# Session 26: the fused kernel's effect on the whole ResNet-18 width-16 training step, as paired
# A/B rounds: per round and thread count, `bench --workloads resnet18-w16` with the fused kernel
# and with MASKLAB_FUSED_WINOGRAD=0, the order alternating round by round. Nothing else runs.
# Usage (any directory): M=<masklab binary> bash ab.sh OUT [LAST_PAIR [FIRST_PAIR]]   (defaults 8 and 1)
set -u
M=${M:-/work/main/.build/release/masklab}
OUT=$1; LAST=${2:-8}; FIRST=${3:-1}
mkdir -p "$OUT"
for r in $(seq $FIRST $LAST); do
  for t in 1 2; do
    if (( r % 2 )); then order="1 0"; else order="0 1"; fi
    for f in $order; do
      MASKLAB_FUSED_WINOGRAD=$f $M bench --steps 10 --workloads resnet18-w16 --threads $t --json-file $OUT/ab-fused$f-t$t-round$r.json > /dev/null 2>&1
    done
  done
  echo "pair $r done $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg) pingpong $(/tmp/pingpong | tail -1)" >> $OUT/ab-log.txt
done
