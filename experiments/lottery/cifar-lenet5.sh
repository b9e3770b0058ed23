#!/usr/bin/env bash
# A CIFAR-10 lottery with LeNet-5 (62 k parameters; Conv-2 was ~7 min per 1500-iteration level on
# this shared machine, too slow for the budget), Adam 1.2e-3, batch 60, 5000 validation images,
# standard augmentation, 1000 iterations per level (scaled), prune 20% of hidden and 10% of output
# weights per level for 4 levels (→ 41%), survivors reset to θ0 and, late resetting, to θ100;
# the reinit control at level 4. Seed 1.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${MASKLAB:-.build/release/masklab}
common=(lottery --config experiments/lottery/lenet300-frankle.json --model lenet5 --dataset cifar10 --levels 4 --prune 0.2 --prune-output 0.1
        --iterations 1000 --eval-every 200 --branches reinit --branch-levels 4 --seed 1 --threads 1)
nice -n 10 "$bin" "${common[@]}" --reset initial --out results/lottery/cifar-lenet5/reset-theta0
nice -n 10 "$bin" "${common[@]}" --reset rewind --rewind-iteration 100 --out results/lottery/cifar-lenet5/rewind-theta100
