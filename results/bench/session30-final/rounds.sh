#!/usr/bin/env bash
# Session 26 (issue 14): session 24's rounds.sh plus, per round, ResNet-18 width 16 with the chunked
# Winograd kernels (MASKLAB_FUSED_WINOGRAD=0) right after the default (fused) run, so that each
# round holds fused, chunked, 1-thread and PyTorch figures taken minutes apart, and the narrow
# layers alone both ways (`bench --convolutions`, 1 and 2 threads). Pingpong (the
# cache-line round trip between the vCPUs) before and after each round. Nothing else runs.
# Usage (any directory): M=<masklab binary> bash rounds.sh OUT   (OUT: a folder under results/bench)
set -u
M=${M:-/work/main/.build/release/masklab}
PY=${PY:-/work/torch-venv/bin/python}
ROUNDS=${ROUNDS:-5}
cd /work/main
OUT=$1; mkdir -p "$OUT"
log() { echo "$* $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)" >> $OUT/log.txt; }
log "start commit $(git rev-parse --short HEAD) binary $M ($($M --version))"
for r in $(seq 1 $ROUNDS); do
  /tmp/pingpong > $OUT/pingpong-round$r-before.txt 2>&1
  $M bench --steps 6 --json-file $OUT/masklab-round$r.json > $OUT/masklab-round$r.txt 2>&1
  MASKLAB_FUSED_WINOGRAD=0 $M bench --steps 6 --workloads resnet18-w16 --json-file $OUT/masklab-chunked-round$r.json > $OUT/masklab-chunked-round$r.txt 2>&1
  $M bench --steps 6 --threads 1 --json-file $OUT/masklab-1thread-round$r.json > $OUT/masklab-1thread-round$r.txt 2>&1
  $M bench --convolutions --steps 10 --threads 1 --json-file $OUT/conv-1thread-round$r.json > $OUT/conv-1thread-round$r.txt 2>&1
  $M bench --convolutions --steps 10 --threads 2 --json-file $OUT/conv-2threads-round$r.json > $OUT/conv-2threads-round$r.txt 2>&1
  $PY bench/torch_anchor.py --steps 6 > $OUT/torch-round$r.txt 2>&1
  /tmp/pingpong > $OUT/pingpong-round$r-after.txt 2>&1
  log "round $r done"
done
log "end"
