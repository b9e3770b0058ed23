#!/usr/bin/env bash
# A/B of the data-parallel step against the ordinary step, MLP batch 60, 2 threads, alternating.
for r in $(seq 1 ${1:-8}); do
  for dp in "" "--no-data-parallel"; do
    out=$(./masklab-dp bench --workloads mlp --steps 300 --warmup 30 $dp 2>&1)
    rt=$(echo "$out" | grep -oE "^mlp round trip [0-9]+/[0-9]+" | grep -oE "[0-9]+/[0-9]+")
    ips=$(echo "$out" | awk '/^mlp  /{print $3}')
    echo "$(date -u +%T) round $r ${dp:-data-parallel} rt $rt img/s $ips"
  done
  sleep 20
done
