#!/usr/bin/env bash
# Item 5 profiles of session 8: only the measuring child (no sgemm-peak probe of the parent).
set -u
M=${M:-/work/main/.build/release/masklab}
OUT=/work/main/results/bench/session8/perf
rep() { perf report -i $1 --no-children --sort symbol -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -60 > $2; }
perf record -F 499 -o /tmp/perf-w16.data $M bench --workload resnet18-w16 --steps 20 --warmup 2 --threads 2 > /dev/null 2>&1; rep /tmp/perf-w16.data $OUT/w16.txt
perf record -F 299 -o /tmp/perf-w64.data $M bench --workload resnet18-w64 --steps 4 --warmup 1 --threads 2 > /dev/null 2>&1; rep /tmp/perf-w64.data $OUT/w64.txt
perf record -F 999 -o /tmp/perf-mlp.data $M bench --workload mlp --steps 4000 --warmup 50 --threads 2 > /dev/null 2>&1; rep /tmp/perf-mlp.data $OUT/mlp.txt
echo "perf done $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)" >> /work/main/results/bench/session8/log.txt
