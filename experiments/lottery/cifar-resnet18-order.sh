#!/usr/bin/env bash
# Mode connectivity across data orders (the seed's §5, last part): two dense ResNet-18 width-8
# runs from the same θ0 on the same 5 000-image CIFAR-10 subset with the same hyper-parameters
# (experiments/lottery/cifar-resnet18-w8.json, seed 1), differing only in the data order and
# augmentation draws (dataOrderSeed 2 in cifar-resnet18-w8-order2.json), with a constant and a
# cosine learning rate; then the interpolation between the two, BatchNorm statistics recomputed
# at each α on 2 000 training images. Run after cifar-resnet18-interpolate.sh, whose level_00
# is the first run of each pair.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${MASKLAB:-.build/release/masklab}
root=results/lottery/cifar-resnet18-w8
for schedule in constant cosine; do
  nice -n 10 "$bin" lottery --config experiments/lottery/cifar-resnet18-w8-order2.json --schedule $schedule --levels 0 \
    --eval-every 40 --out $root/$schedule-order2
  nice -n 10 "$bin" interpolate $root/$schedule/level_00 $root/$schedule-order2/level_00 --train-samples 2000 --threads 1 \
    --out results/lottery/interpolation/cifar-resnet18-w8-$schedule-dense-vs-dense-other-order
done
