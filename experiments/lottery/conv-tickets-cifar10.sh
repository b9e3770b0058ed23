#!/usr/bin/env bash
# Conv-2/4/6 lottery tickets on CIFAR-10 with random re-initialisation and random pruning controls
# (issue 16 item 3), Conv-6 with global pruning (item 4) and Conv-2 with dropout 0.5 (issue 21
# item 4). Plan, budget and endpoints: conv-tickets-cifar10.md (written before the runs).
# Resumable: a finished level is skipped when the command runs again.
# Usage (repository root): bash experiments/lottery/conv-tickets-cifar10.sh [SEED…]   (default 1 2)
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${MASKLAB:-.build/release/masklab}
data=${MASKLAB_DATA:-../shared/data}
out=results/lottery/conv-cifar10
seeds=("$@"); [ ${#seeds[@]} -gt 0 ] || seeds=(1 2)
common=(--dataset cifar10 --optimizer adam --weight-decay null --schedule constant --batch-size 60 --no-augment
        --validation 5000 --iterations 1000 --eval-every 125 --levels 4 --prune 0.2 --prune-output 0.1
        --reset initial --threads 1 --data "$data")
lr() { [ "$1" = conv2 ] && echo 2e-4 || echo 3e-4; }
for s in "${seeds[@]}"; do
  for m in conv2 conv4 conv6; do
    nice -n 10 "$bin" lottery --model $m --lr "$(lr $m)" "${common[@]}" --branches reinit,random --seed "$s" --out "$out/$m-s$s"
  done
  nice -n 10 "$bin" lottery --model conv6 --lr 3e-4 "${common[@]}" --magnitude-scope global --seed "$s" --out "$out/conv6-global-s$s"
  nice -n 10 "$bin" lottery --model conv2 --lr 2e-4 "${common[@]}" --dropout 0.5 --seed "$s" --out "$out/conv2-dropout0.5-s$s"
done
