#!/usr/bin/env bash
# Linear interpolation on MNIST (LeNet-300-100, no BatchNorm) after fc-lenet300.sh (seed 1):
#   dense (level 0) ↔ its 7% ticket (level 12) and ↔ its 1.9% ticket (level 18);
#   two dense runs from the same θ0 with different data order (seed 1 vs a level-0-only lottery
#   run with seed 2 that reuses seed 1's init.safetensors).
# Grid −0.2…1.2 step 0.1, all 55 000 training and 10 000 test images.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${MASKLAB:-.build/release/masklab}
fc=results/lottery/fc-lenet300/seed1
out=results/lottery/interpolation
order=results/lottery/fc-lenet300-order/seed2-theta0-of-seed1
mkdir -p "$order"
cp -n "$fc/init.safetensors" "$order/init.safetensors"
nice -n 10 "$bin" lottery --config experiments/lottery/lenet300-frankle.json --levels 0 --iterations 2000 --eval-every 100 --seed 2 --threads 1 --out "$order"
for pair in "level_00 level_12 dense-vs-ticket7" "level_00 level_18 dense-vs-ticket1.9"; do
  set -- $pair
  nice -n 10 "$bin" interpolate "$fc/$1" "$fc/$2" --threads 1 --out "$out/$3"
done
nice -n 10 "$bin" interpolate "$fc/level_00" "$order/level_00" --threads 1 --out "$out/dense-vs-dense-other-order"
