#!/usr/bin/env bash
# usage: ab-env.sh OUTDIR THREADS ROUNDS BIN name:ENV1=v,ENV2=v ...
out=$1; threads=$2; rounds=$3; bin=$4; shift 4
mkdir -p "$out"
for r in $(seq 1 "$rounds"); do
  for c in "$@"; do
    name=${c%%:*}; envs=${c#*:}
    env ${envs//,/ } perf stat -e task-clock -x, -o "$out/$name-round$r.perf" "$bin" bench --workload resnet18-w16 --steps 10 --warmup 2 \
      --threads "$threads" --round-trip 100 > "$out/$name-round$r.txt" 2>&1
    echo "$(date -u +%T) load $(cut -d' ' -f1 /proc/loadavg) $name round $r: $(grep -o "\"trainImagesPerSecond\":[0-9.]*" "$out/$name-round$r.txt" | cut -d: -f2) img/s, $(grep task-clock "$out/$name-round$r.perf" | cut -d, -f1) ms CPU"
  done
done
