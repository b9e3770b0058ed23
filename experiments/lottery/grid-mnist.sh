#!/usr/bin/env bash
# The seed's 2×2 grid on MNIST with LeNet-300-100: {re-initialise: yes/no} × {selection: random/
# magnitude}. One IMP chain per (selection, per-round prune share p ∈ {0.2, 0.4, 0.6}, seed) with
# 5 rounds gives models pruned 1 − (1 − p)^n for n = 1…5 rounds (20% … 99%); the reinit branch
# trains every round's mask from a fresh initialisation. Adam 1.2e-3, batch 60, 800 iterations
# per training (scaled), output layer pruned at half the rate. Usage: grid-mnist.sh [seeds…]
# The same runs as a sweep (one lottery run per point, hash-named folders, resumable, local or
# Slurm, a table per cell and level): masklab sweep experiments/lottery/grid-mnist-sweep.json --out results/lottery
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${MASKLAB:-.build/release/masklab}
seeds=("$@"); [ ${#seeds[@]} -eq 0 ] && seeds=(1 2 3)
for seed in "${seeds[@]}"; do
  for p in 0.2 0.4 0.6; do
    for sel in magnitude random; do
      nice -n 10 "$bin" lottery --config experiments/lottery/lenet300-frankle.json --levels 5 --prune "$p" --iterations 800 --eval-every 100 --selection "$sel" \
        --branches reinit --seed "$seed" --threads 1 --out results/lottery/grid-mnist/$sel-p$p-seed$seed
    done
  done
done
