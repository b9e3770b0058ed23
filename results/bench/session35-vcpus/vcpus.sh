#!/usr/bin/env bash
# Session 35 (issue 14, item 2): are the two vCPUs equally fast in a slow period? For MINUTES, in
# rounds: pingpong; the 1-thread MLP bench pinned to CPU 0 and to CPU 1 (`taskset`, order swapped
# round by round); the 2-thread MLP bench (main thread unpinned, its worker pinned by
# ThreadPlacement); pingpong again. Each bench: 300 measured steps after 30 warm-up steps.
# Usage: bash vcpus.sh OUT MINUTES BIN; then python3 vcpus.py OUT
set -u
out=$1; minutes=$2; bin=$3
mkdir -p "$out"
end=$(( $(date +%s) + 60 * minutes )); r=0
while [ "$(date +%s)" -lt "$end" ]; do
  r=$((r + 1))
  /tmp/pingpong 2>&1 | tail -1 > "$out/pingpong-round$r-before.txt"
  if (( r % 2 )); then order="0 1"; else order="1 0"; fi
  for c in $order; do
    taskset -c "$c" "$bin" bench --workloads mlp --threads 1 --steps 300 --warmup 30 \
      --json-file "$out/cpu$c-round$r.json" > "$out/cpu$c-round$r.txt" 2>&1
  done
  "$bin" bench --workloads mlp --threads 2 --steps 300 --warmup 30 --json-file "$out/t2-round$r.json" > "$out/t2-round$r.txt" 2>&1
  /tmp/pingpong 2>&1 | tail -1 > "$out/pingpong-round$r-after.txt"
done
