#!/usr/bin/env bash
# Session 29: paired A/B of the direct stride-2 kernels (B) against the binary before them (A),
# with session 27's ab.sh; then `bench --layers` of B. Nothing else runs.
# Usage (from the repository): A=<old> B=<new> bash results/bench/session29-strided/run.sh OUT
set -u
OUT=$1; mkdir -p "$OUT"
AB=results/bench/session27-gather/ab.sh
bash $AB $OUT resnet18-w16 1 12
bash $AB $OUT resnet18-w16 2 12
bash $AB $OUT resnet18-w64 2 4
$B bench --workloads resnet18-w16,resnet18-w64 --steps 8 --threads 1 --layers --json-file $OUT/layers-1thread.json > $OUT/layers-1thread.txt 2>&1
echo "end $(date -u +%T)" >> $OUT/ab-log.txt
