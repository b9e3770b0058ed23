#!/usr/bin/env bash
# Summaries after the runs: the 2×2 grid's correlations and scatter plots, the Frankle & Carbin
# curve over seeds, and the CIFAR-10 interpolation (dense LeNet-5 ↔ its 41% ticket, 10 000 train
# and test images).
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${MASKLAB:-.build/release/masklab}
"$bin" lottery-report grid results/lottery/grid-mnist
"$bin" lottery-report curve results/lottery/fc-lenet300 --title "LeNet-300-100 on MNIST (3 seeds, 2000 iterations per level)"
for run in reset-theta0 rewind-theta100; do
  d=results/lottery/cifar-lenet5/$run
  [ -f "$d/level_04/level.json" ] && nice -n 10 "$bin" interpolate "$d/level_00" "$d/level_04" --train-samples 10000 --threads 1 \
    --out results/lottery/interpolation/cifar-lenet5-$run-dense-vs-ticket41
done
