#!/usr/bin/env bash
# Alternating A/B rounds: for each round, each binary in turn runs the w16 bench under perf stat.
# usage: [EXTRA="--round-trip 100"] ab.sh OUTDIR WORKLOAD STEPS WARMUP ROUNDS BIN...
# `bench --workload` (singular) runs one workload in this process and prints its JSON result,
# kept in OUTDIR/<binary>-round<r>.txt; perf stat's task-clock goes to <binary>-round<r>.perf.
# (The runs also passed `--json-file`, which this single-workload mode ignores.)
out=$1; wl=$2; steps=$3; warm=$4; rounds=$5; shift 5
mkdir -p "$out"
for r in $(seq 1 "$rounds"); do
  for b in "$@"; do
    name=$(basename "$b")
    perf stat -e task-clock -x, -o "$out/$name-round$r.perf" "$b" bench --workload "$wl" --steps "$steps" --warmup "$warm" --threads 2 $EXTRA \
      > "$out/$name-round$r.txt" 2>&1
    echo "$name round $r: $(grep -o "\"trainImagesPerSecond\":[0-9.]*" "$out/$name-round$r.txt" | cut -d: -f2) img/s, $(grep task-clock "$out/$name-round$r.perf" | cut -d, -f1) ms CPU"
  done
done
