#!/usr/bin/env bash
# Session 33 (issue 14, items 1 and 2): session 31's rounds (../session31-threads/rounds.sh), with
# the machine's CPU counters (/proc/stat's aggregate line) and each command's own CPU time
# (GNU time) around every masklab and PyTorch process, so that each figure can be labelled with
# the host's steal and other processes' share of the machine while it ran (loadshares.py).
# Usage (any directory): M=<masklab binary> bash rounds.sh OUT; then python3 bench/ratios.py OUT,
#   python3 results/bench/session31-threads/periods.py OUT, python3 results/bench/session33-rounds/loadshares.py OUT
set -u
M=${M:-/work/main/.build/release/masklab}
PY=${PY:-/work/torch-venv/bin/python}
ROUNDS=${ROUNDS:-6}
cd /work/main
OUT=$1; mkdir -p "$OUT"
log() { echo "$* $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)" >> $OUT/log.txt; }
# timed NAME CMD…: /proc/stat's cpu line before and after, the command's CPU seconds (user system wall).
timed() {
  local name=$1; shift
  head -1 /proc/stat > $OUT/$name.stat-before
  /usr/bin/time -f "%U %S %e" -o $OUT/$name.cputime "$@" > $OUT/$name.txt 2>&1
  head -1 /proc/stat > $OUT/$name.stat-after
}
log "start commit $(git rev-parse --short HEAD) binary $M ($($M --version))"
for r in $(seq 1 $ROUNDS); do
  /tmp/pingpong > $OUT/pingpong-round$r-before.txt 2>&1
  if (( r % 2 )); then order="2 1"; else order="1 2"; fi
  for t in $order; do
    if [ $t = 2 ]; then f=masklab-round$r; else f=masklab-1thread-round$r; fi
    timed $f $M bench --steps 6 --threads $t --json-file $OUT/$f.json
  done
  timed torch-round$r $PY bench/torch_anchor.py --steps 6
  /tmp/pingpong > $OUT/pingpong-round$r-after.txt 2>&1
  log "round $r done"
done
log "end"
