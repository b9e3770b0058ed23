#!/usr/bin/env bash
# Session 31 (issue 14, item 2): the MLP on 1 thread against 2 threads with every region kept on the
# calling thread (--round-trip 100000: the two parts of each split product run back to back, as in
# a slow period) and against 2 threads with --compute-speedup 1 (product regions serial, the rest
# by the measured round trip), 4 rounds of `bench --workloads mlp --steps 30`. Nothing else runs.
# Usage: M=<masklab binary> bash serial.sh OUT
set -u
OUT=$1; mkdir -p "$OUT"
for r in 1 2 3 4; do
  /tmp/pingpong | tail -1 >> $OUT/serial-pingpong.txt
  $M bench --workloads mlp --steps 30 --threads 1 --json-file $OUT/serial-1thread-$r.json > /dev/null 2>&1
  $M bench --workloads mlp --steps 30 --threads 2 --compute-speedup 1 --json-file $OUT/serial-2threads-speedup1-$r.json > /dev/null 2>&1
  $M bench --workloads mlp --steps 30 --threads 2 --round-trip 100000 --json-file $OUT/serial-2threads-serial-$r.json > /dev/null 2>&1
done
