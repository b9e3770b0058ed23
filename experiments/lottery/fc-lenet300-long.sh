#!/usr/bin/env bash
# Learning speed without the 2000-iteration cap: seed 1's IMP masks at levels 0, 3, 7, 12, 15
# (100%, 51%, 21%, 7%, 3.6%) trained again for 6000 iterations from the same θ0 (same seed, so
# --transfer of the level's mask is exactly that ticket), and, as the re-initialisation control,
# from the θ0 of seed 101 (which also changes the data order). After fc-lenet300.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${MASKLAB:-.build/release/masklab}
src=results/lottery/fc-lenet300/seed1
out=results/lottery/fc-lenet300-long
run() {  # level seed
  nice -n 10 "$bin" lottery --config experiments/lottery/lenet300-frankle.json --levels 0 --transfer "$src/level_$1/mask.safetensors" --iterations 6000 --eval-every 100 \
    --seed "$2" --threads 1 --out "$out/level$1-seed$2"
}
for l in 00 03 07 12 15; do run $l 1; done &
for l in 03 07 12 15; do run $l 101; done
wait
