#!/usr/bin/env bash
# The seed's §5 at a tiny budget: ResNet-18 at width 8 on 5 000 CIFAR-10 training images (1 000
# validation, 2 000 test), SGD 0.05 momentum 0.9, batch 64, 4 epochs, seed 1; one-shot magnitude
# pruning of 95% of the hidden weights (output layer 47.5%), survivors reset to θ0; with a
# constant learning rate and with a cosine schedule. Then the interpolation dense ↔ ticket with
# BatchNorm statistics recomputed at each α on 2 000 training images.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${MASKLAB:-.build/release/masklab}
root=results/lottery/cifar-resnet18-w8
for schedule in constant cosine; do
  nice -n 10 "$bin" lottery --config experiments/lottery/cifar-resnet18-w8.json --schedule $schedule --levels 1 --prune 0.95 \
    --eval-every 40 --out $root/$schedule
  nice -n 10 "$bin" interpolate $root/$schedule/level_00 $root/$schedule/level_01 --train-samples 2000 --threads 1 \
    --out results/lottery/interpolation/cifar-resnet18-w8-$schedule-dense-vs-ticket5
done
