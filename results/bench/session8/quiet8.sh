#!/usr/bin/env bash
# Quiet-machine measurements of session 8 (issue 14 items 1, 4, 5). Study E paused by the caller.
set -u
M=${M:-/work/main/.build/release/masklab}
cd /work/main
OUT=results/bench/session8; mkdir -p $OUT/perf
log() { echo "$* $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)" >> $OUT/log.txt; }
log "start commit $(git rev-parse --short HEAD) binary $M"
# Item 1: 5 rounds MaskLab vs PyTorch, pingpong around each.
for r in 1 2 3 4 5; do
  /tmp/pingpong > $OUT/pingpong-round$r-before.txt 2>&1
  $M bench --steps 6 --json-file $OUT/masklab-round$r.json > $OUT/masklab-round$r.txt 2>&1
  /work/torch-venv/bin/python bench/torch_anchor.py --steps 6 > $OUT/torch-round$r.txt 2>&1
  /tmp/pingpong > $OUT/pingpong-round$r-after.txt 2>&1
  log "round $r done"
done
# Item 4: what bench predicts for the study's 2 jobs x 1 thread, then the 1-epoch 4-arm study.
for r in 1 2 3; do
  $M bench --workloads resnet18-w16 --steps 10 --threads 1 --jobs 2 --json-file $OUT/jobs2-round$r.json > $OUT/jobs2-round$r.txt 2>&1
  log "jobs2 round $r done"
done
rm -rf /tmp/throughput8
/usr/bin/time -v $M compare experiments/bench/study-throughput-w16.json --data /work/shared/data --out /tmp/throughput8 > $OUT/study-throughput.txt 2> $OUT/study-throughput.time
cp -r /tmp/throughput8/compare-throughput-w16 $OUT/study-throughput
find $OUT/study-throughput -name '*.safetensors' -delete
log "study throughput done"
# Item 5: perf profiles.
perf record -F 499 -o /tmp/perf-w16.data $M bench --workloads resnet18-w16 --steps 20 --warmup 2 --threads 2 > /dev/null 2>&1
perf report -i /tmp/perf-w16.data --no-children --sort symbol -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -60 > $OUT/perf/w16.txt
perf record -F 299 -o /tmp/perf-w64.data $M bench --workloads resnet18-w64 --steps 3 --warmup 1 --threads 2 > /dev/null 2>&1
perf report -i /tmp/perf-w64.data --no-children --sort symbol -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -60 > $OUT/perf/w64.txt
perf record -F 999 -o /tmp/perf-mlp.data $M bench --workloads mlp --steps 400 --warmup 20 --threads 2 > /dev/null 2>&1
perf report -i /tmp/perf-mlp.data --no-children --sort symbol -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -60 > $OUT/perf/mlp.txt
log "end"
