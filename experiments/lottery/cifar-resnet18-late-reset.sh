#!/usr/bin/env bash
# A CIFAR-10 lottery with a narrow ResNet-18 (width 8; experiments/lottery/cifar-resnet18-w8.json:
# 5 000 training images, 1 000 validation, 2 000 test, SGD 0.05 momentum 0.9, batch 64, 4 epochs =
# 316 iterations per level, seed 1): layerwise magnitude pruning of 50% of the surviving hidden
# weights per level for 3 levels (→ 12.5%; output layer 25% per level), survivors reset to θ0 and,
# late resetting, to θ40 (iteration 40, an eighth of the training); the reinit control at level 3.
# The two chains run side by side on one thread each.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${MASKLAB:-.build/release/masklab}
common=(lottery --config experiments/lottery/cifar-resnet18-w8.json --levels 3 --prune 0.5 --prune-output 0.25
        --eval-every 40 --branches reinit --branch-levels 3 --threads 1)
root=results/lottery/cifar-resnet18-w8-imp
"$bin" "${common[@]}" --reset initial --out $root/reset-theta0 &
"$bin" "${common[@]}" --reset rewind --rewind-iteration 40 --out $root/rewind-theta40
wait
