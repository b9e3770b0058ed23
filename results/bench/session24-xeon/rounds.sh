#!/usr/bin/env bash
# Session 24 (issue 14 items 1–2), a copy of session 22's rounds.sh: MaskLab on 2 and 1 threads against PyTorch, 5 rounds, with
# the cache-line round trip between the vCPUs (pingpong) before and after each round. The
# study queue is paused by the caller (SIGSTOP); nothing else runs.
# Usage (any directory): M=<masklab binary> bash rounds.sh OUT   (OUT: a folder under results/bench)
set -u
M=${M:-/work/main/.build/release/masklab}
PY=${PY:-/work/torch-venv/bin/python}
cd /work/main
OUT=$1; mkdir -p "$OUT"
log() { echo "$* $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)" >> $OUT/log.txt; }
log "start commit $(git rev-parse --short HEAD) binary $M"
for r in 1 2 3 4 5; do
  /tmp/pingpong > $OUT/pingpong-round$r-before.txt 2>&1
  $M bench --steps 6 --json-file $OUT/masklab-round$r.json > $OUT/masklab-round$r.txt 2>&1
  $M bench --steps 6 --threads 1 --json-file $OUT/masklab-1thread-round$r.json > $OUT/masklab-1thread-round$r.txt 2>&1
  $PY bench/torch_anchor.py --steps 6 > $OUT/torch-round$r.txt 2>&1
  /tmp/pingpong > $OUT/pingpong-round$r-after.txt 2>&1
  log "round $r done"
done
log "end"
