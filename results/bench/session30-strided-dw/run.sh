#!/usr/bin/env bash
# Session 30: paired A/B of the direct stride-2 weight gradient (B) against the binary before it
# (A = 79be8e2, whose stride-2 layers compute the weight gradient with im2col + GEMM), with
# session 27's ab.sh; then `bench --layers` of A and B alternately. Nothing else runs.
# Usage (from the repository): A=<old> B=<new> bash results/bench/session30-strided-dw/run.sh OUT
set -u
OUT=$1; mkdir -p "$OUT"
AB=results/bench/session27-gather/ab.sh
echo "start $(date -u +%T) pingpong $(/tmp/pingpong | tail -1)" >> $OUT/ab-log.txt
bash $AB $OUT resnet18-w16 1 12
bash $AB $OUT resnet18-w16 2 12
bash $AB $OUT resnet18-w64 2 4
for v in A B A B; do
  bin=$A; [ $v = B ] && bin=$B
  n=$(ls $OUT/layers-$v-1thread-*.json 2>/dev/null | wc -l)
  $bin bench --workloads resnet18-w16 --steps 8 --threads 1 --layers --json-file $OUT/layers-$v-1thread-$((n+1)).json > $OUT/layers-$v-1thread-$((n+1)).txt 2>&1
done
$B bench --workloads resnet18-w64 --steps 4 --threads 1 --layers --json-file $OUT/layers-B-w64-1thread.json > $OUT/layers-B-w64-1thread.txt 2>&1
echo "end $(date -u +%T)" >> $OUT/ab-log.txt
