#!/usr/bin/env bash
# Session 33 (issue 14, item 2): the MLP on 1 thread against 2 threads with every region's parts
# run one after the other on the calling thread (--round-trip 1000000, what the cost model does
# in a slow period), 4 pairs of 2000 measured steps, then a perf profile of each (4000 steps).
# Nothing else runs. Usage: M=<masklab binary> bash run.sh OUT
set -u
OUT=$1; mkdir -p "$OUT"
for r in 1 2 3 4; do
  "$M" bench --workloads mlp --steps 2000 --threads 1 --json-file "$OUT/t1-pair$r.json" > /dev/null 2>&1
  "$M" bench --workloads mlp --steps 2000 --threads 2 --round-trip 1000000 --json-file "$OUT/t2serial-pair$r.json" > /dev/null 2>&1
done
perf record -F 4999 -o /tmp/mlp-t1.data -- "$M" bench --workloads mlp --steps 4000 --threads 1 > /dev/null 2>&1
perf record -F 4999 -o /tmp/mlp-t2serial.data -- "$M" bench --workloads mlp --steps 4000 --threads 2 --round-trip 1000000 > /dev/null 2>&1
for v in t1 t2serial; do
  perf report -i /tmp/mlp-$v.data --no-children -n --sort symbol 2>/dev/null | grep -v "^#" | grep "%" | head -16 | cut -c1-140 > "$OUT/perf-$v.txt"
done
/tmp/pingpong > "$OUT/pingpong.txt" 2>&1
