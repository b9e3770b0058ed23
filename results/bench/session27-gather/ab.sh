#!/usr/bin/env bash
# Session 27 (issue 14): the table-driven im2col/col2im gathers (976fa62) against the binary before
# them (21a1ff9), as paired A/B rounds of `bench --workloads W --threads T`, the two binaries'
# order alternating pair by pair. Pingpong after each pair. Nothing else runs.
# Usage (any directory): A=<old binary> B=<new binary> bash ab.sh OUT WORKLOAD THREADS LAST_PAIR [FIRST_PAIR (1)]
set -u
OUT=$1; W=$2; T=$3; PAIRS=$4; FIRST=${5:-1}
mkdir -p "$OUT"
for r in $(seq $FIRST $PAIRS); do
  if (( r % 2 )); then order="A B"; else order="B A"; fi
  for v in $order; do
    bin=$A; [ $v = B ] && bin=$B
    $bin bench --steps 10 --workloads $W --threads $T --json-file $OUT/ab-$v-$W-t$T-round$r.json > /dev/null 2>&1
  done
  echo "$W t$T pair $r done $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg) pingpong $(/tmp/pingpong | tail -1)" >> $OUT/ab-log.txt
done
