#!/usr/bin/env bash
# Session 11 quiet bench (issue 14): Winograd F(4×4, 3×3) in training against the binary before it,
# alternating within each round, with PyTorch's anchor in the same round. Pauses the study queue
# (SIGSTOP to its process group, given as $1) and resumes it on exit, whatever happens.
# Usage: quiet11.sh QUEUE_PGID OLD_BINARY NEW_BINARY   (run from this folder)
set -u
pg=$1 old=$2 new=$3
py=${PYTHON:-/work/torch-venv/bin/python}
anchor=$(dirname "$0")/../../../bench/torch_anchor.py
data=${MASKLAB_DATA:-/work/shared/data}
kill -STOP -"$pg"
trap 'kill -CONT -"$pg"' EXIT
sleep 2
log() { echo "$(date -u +%FT%TZ) $*" | tee -a log.txt; }
log "start; old=$old new=$new load: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in 1 2 3 4 5; do
  /tmp/pingpong > pingpong-round$r-before.txt 2>&1
  "$old" bench --workloads resnet18-w16,resnet18-w64 --steps 6 --json-file old-round$r.json > old-round$r.txt 2>&1
  "$new" bench --steps 6 --json-file masklab-round$r.json > masklab-round$r.txt 2>&1
  "$py" "$anchor" --steps 6 > torch-round$r.txt 2>&1
  /tmp/pingpong > pingpong-round$r-after.txt 2>&1
  log "round $r done"
done
for r in 1 2 3; do
  "$old" bench --workloads resnet18-w64 --steps 4 --warmup 1 --threads 1 --json-file old-1thread-round$r.json > old-1thread-round$r.txt 2>&1
  "$new" bench --workloads resnet18-w64 --steps 4 --warmup 1 --threads 1 --json-file masklab-1thread-round$r.json > masklab-1thread-round$r.txt 2>&1
  log "1-thread round $r done"
done
# Conv-2 and Conv-6 as the lottery studies train them (Adam, batch 60, 1 thread), 120 iterations.
for r in 1 2; do
  for m in conv2 conv6; do
    for b in old new; do
      bin=$old; [ $b = new ] && bin=$new
      "$bin" train --model $m --dataset cifar10 --optimizer adam --lr 2e-4 --weight-decay null --schedule constant \
        --batch-size 60 --no-augment --iterations 120 --threads 1 --seed 1 --data "$data" \
        --out /tmp/quiet11-$m-$b-r$r --overwrite --quiet > /dev/null 2>&1
      echo "$m $b round $r: $(tail -1 /tmp/quiet11-$m-$b-r$r/metrics.csv)" >> convnets.txt
    done
  done
  log "convnet round $r done"
done
log "end load: $(cut -d' ' -f1-3 /proc/loadavg)"
