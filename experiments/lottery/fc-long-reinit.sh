#!/usr/bin/env bash
# The random re-initialisation control of fc-long-tickets.sh: the seed's level-L mask trained for
# ITERATIONS from the θ0 of seed 100 + SEED (--transfer at level 0), with the data order of SEED
# (--data-order-seed). The validation split follows the run seed, so it is another 5 000 of the
# training images than the ticket's (and the training set differs by those images).
# Session of issue 16: fc-long-reinit.sh 20000 SEED 07 03 for SEED = 1, 2.
# MASKS_DIR (default results/lottery/fc-long/masks-seedSEED): the chain whose masks are used.
# Usage: [MASKS_DIR=…] fc-long-reinit.sh ITERATIONS SEED LEVEL…
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${MASKLAB:-.build/release/masklab}
iterations=$1 seed=$2; shift 2
out=results/lottery/fc-long
masks=${MASKS_DIR:-$out/masks-seed$seed}
for level in "$@"; do
  nice -n 10 "$bin" lottery --config experiments/lottery/lenet300-frankle.json --eval-every 100 --seed $((100 + seed)) --data-order-seed "$seed" \
    --threads 1 --levels 0 --transfer "$masks/level_$level/mask.safetensors" --iterations "$iterations" \
    --out "$out/it$iterations/reinit-level$level-seed$seed"
done
