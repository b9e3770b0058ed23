#!/usr/bin/env bash
# Session 31 (issue 14): `bench --layers` on ResNet-18 width 16, 1 thread, binaries A and B
# alternating round by round (A first in odd rounds), STEPS steps each. Nothing else runs.
# Usage: A=<old binary> B=<new binary> STEPS=16 ROUNDS=8 bash layers.sh OUT; then
#        python3 blocks.py OUT/layers16-A1.json,… OUT/layers16-B1.json,…
set -u
OUT=$1; STEPS=${STEPS:-16}; ROUNDS=${ROUNDS:-8}; mkdir -p "$OUT"
for r in $(seq 1 $ROUNDS); do
  if (( r % 2 )); then order="A B"; else order="B A"; fi
  for v in $order; do
    bin=$A; [ $v = B ] && bin=$B
    $bin bench --workloads resnet18-w16 --steps $STEPS --threads 1 --layers --json-file $OUT/layers$STEPS-$v$r.json > /dev/null 2>&1
  done
done
/tmp/pingpong > $OUT/layers$STEPS-pingpong-after.txt 2>&1
