#!/usr/bin/env bash
# Alternating A/B rounds (as ../session8-w16/ab.sh, plus the thread count): in each round each
# binary in turn runs one `bench --workload` process under `perf stat -e task-clock`.
# usage: [EXTRA="--round-trip 100"] ab.sh OUTDIR WORKLOAD STEPS WARMUP THREADS ROUNDS BIN...
# Its JSON line goes to OUTDIR/<binary>-round<r>.txt, its CPU time to OUTDIR/<binary>-round<r>.perf.
out=$1; wl=$2; steps=$3; warm=$4; threads=$5; rounds=$6; shift 6
mkdir -p "$out"
for r in $(seq 1 "$rounds"); do
  for b in "$@"; do
    name=$(basename "$b")
    perf stat -e task-clock -x, -o "$out/$name-round$r.perf" "$b" bench --workload "$wl" --steps "$steps" --warmup "$warm" \
      --threads "$threads" $EXTRA > "$out/$name-round$r.txt" 2>&1
    echo "$(date -u +%T) load $(cut -d' ' -f1 /proc/loadavg) $name round $r: $(grep -o "\"trainImagesPerSecond\":[0-9.]*" "$out/$name-round$r.txt" | cut -d: -f2) img/s, $(grep task-clock "$out/$name-round$r.perf" | cut -d, -f1) ms CPU"
  done
done
