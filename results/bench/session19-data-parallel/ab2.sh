#!/usr/bin/env bash
# As ab.sh, keeping every run's JSON (phase times, round trips) and text.
for r in $(seq 1 ${1:-4}); do
  for dp in "" "--no-data-parallel"; do
    tag=$([ -z "$dp" ] && echo dp || echo ordinary)
    ./masklab-dp bench --workloads mlp --steps 300 --warmup 30 $dp --json-file json-r$r-$tag.json > text-r$r-$tag.txt 2>&1
  done
  sleep 20
done
