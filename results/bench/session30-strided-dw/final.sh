#!/usr/bin/env bash
# Session 30: `bench --layers` on 1 thread of A (79be8e2) and C (fbcaca2, the weight gradient
# direct only up to 32768 floats), alternating, width 16 twice each and width 64 once each.
# Usage (from the repository): A=<old> C=<new> bash results/bench/session30-strided-dw/final.sh OUT
set -u
OUT=$1; mkdir -p "$OUT"
echo "final start $(date -u +%T) pingpong $(/tmp/pingpong | tail -1)" >> $OUT/ab-log.txt
for v in A C A C; do
  bin=$A; [ $v = C ] && bin=$C
  n=$(ls $OUT/final-$v-w16-*.json 2>/dev/null | wc -l)
  $bin bench --workloads resnet18-w16 --steps 8 --threads 1 --layers --json-file $OUT/final-$v-w16-$((n+1)).json > $OUT/final-$v-w16-$((n+1)).txt 2>&1
done
for v in A C; do
  bin=$A; [ $v = C ] && bin=$C
  $bin bench --workloads resnet18-w64 --steps 4 --threads 1 --layers --json-file $OUT/final-$v-w64.json > $OUT/final-$v-w64.txt 2>&1
done
echo "final end $(date -u +%T) pingpong $(/tmp/pingpong | tail -1)" >> $OUT/ab-log.txt
