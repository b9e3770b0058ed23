#!/usr/bin/env bash
# Session 29 (issue 14, item 5): `masklab bench --layers` for the three workloads on 1 and on 2
# threads, pingpong (the cache-line round trip between the vCPUs) before and after each run.
# Nothing else runs. Usage (from the repository): M=<masklab binary> bash layers.sh OUT
set -u
M=${M:-.build/release/masklab}
OUT=$1; mkdir -p "$OUT"
log() { echo "$* $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)" >> $OUT/log.txt; }
log "start commit $(git rev-parse --short HEAD) binary $M"
for t in 1 2; do
  /tmp/pingpong > $OUT/pingpong-${t}threads-before.txt 2>&1
  $M bench --workloads mlp,resnet18-w16,resnet18-w64 --steps 8 --threads $t --layers --json-file $OUT/layers-${t}threads.json > $OUT/layers-${t}threads.txt 2>&1
  /tmp/pingpong > $OUT/pingpong-${t}threads-after.txt 2>&1
  log "threads $t done"
done
log "end"
