#!/usr/bin/env bash
# Frankle & Carbin's LeNet-300-100 on MNIST (Adam 1.2e-3, batch 60, 5000 validation images;
# prune 20% of hidden and 10% of output weights per level, reset to θ0), 18 levels (100% → 2.3%),
# with the random re-initialisation and random pruning controls at levels 3, 7, 12, 15, 18
# (51%, 21%, 7%, 3.6%, 1.9% of weights, the paper's points). Scaled: 2000 iterations per level
# instead of 50 000 (CPU budget of a shared 2-core machine). Usage: fc-lenet300.sh [seeds…]
# The same runs as a sweep (one lottery run per point, hash-named folders, resumable, local or
# Slurm, a table per cell and level): masklab sweep experiments/lottery/fc-lenet300-sweep.json --out results/lottery
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${MASKLAB:-.build/release/masklab}
seeds=("$@"); [ ${#seeds[@]} -eq 0 ] && seeds=(1 2 3)
for seed in "${seeds[@]}"; do
  nice -n 10 "$bin" lottery --config experiments/lottery/lenet300-frankle.json --levels 18 --prune 0.2 --prune-output 0.1 --iterations 2000 --eval-every 100 \
    --branches reinit,random --branch-levels 3,7,12,15,18 --seed "$seed" --threads 1 \
    --out results/lottery/fc-lenet300/seed$seed
done
