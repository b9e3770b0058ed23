#!/usr/bin/env bash
# Session 31 (issue 14, items 1 and 2): rounds of the three workloads on 2 threads and on 1 thread
# (which goes first alternating round by round), then bench/torch_anchor.py, with the cache-line
# round trip between the vCPUs (/tmp/pingpong, ../shared/bench/pingpong.c) before and after each
# round, so that each round can be labelled as a slow period (≥ 250 ns) or not. Nothing else runs.
# Usage (any directory): M=<masklab binary> bash rounds.sh OUT; then python3 bench/ratios.py OUT
#                        and python3 results/bench/session31-threads/periods.py OUT
set -u
M=${M:-/work/main/.build/release/masklab}
PY=${PY:-/work/torch-venv/bin/python}
ROUNDS=${ROUNDS:-6}
cd /work/main
OUT=$1; mkdir -p "$OUT"
log() { echo "$* $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)" >> $OUT/log.txt; }
log "start commit $(git rev-parse --short HEAD) binary $M ($($M --version))"
for r in $(seq 1 $ROUNDS); do
  /tmp/pingpong > $OUT/pingpong-round$r-before.txt 2>&1
  if (( r % 2 )); then order="2 1"; else order="1 2"; fi
  for t in $order; do
    if [ $t = 2 ]; then f=masklab-round$r; else f=masklab-1thread-round$r; fi
    $M bench --steps 6 --threads $t --json-file $OUT/$f.json > $OUT/$f.txt 2>&1
  done
  $PY bench/torch_anchor.py --steps 6 > $OUT/torch-round$r.txt 2>&1
  /tmp/pingpong > $OUT/pingpong-round$r-after.txt 2>&1
  log "round $r done"
done
log "end"
