#!/usr/bin/env bash
# Frankle & Carbin's "tickets learn faster" without the 2 000-iteration cap (issue 16, item 2).
# 1. The IMP chain of fc-lenet300.sh (Adam 1.2e-3, batch 60, 5 000 validation images, 20% hidden /
#    10% output per level, reset to θ0, 2 000 iterations per level; no branches) gives the masks.
# 2. Each mask at the paper's points (levels 3, 7, 12, 15, 18: 51%, 21%, 7%, 3.6%, 1.85%) trained
#    for ITERATIONS from the same seed's θ0 (level 0 of a --transfer run: exactly the ticket, same
#    data order and validation split) and, as level 1 (--prune 0 keeps the mask, --reset reinit),
#    from a fresh initialisation; the dense net (level 0 of the chain's setting) for ITERATIONS too.
# Usage: fc-long.sh ITERATIONS SEED   (see results/lottery/fc-long/README.md)
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${MASKLAB:-.build/release/masklab}
iterations=$1 seed=$2
out=results/lottery/fc-long
preset=(--config experiments/lottery/lenet300-frankle.json --eval-every 100 --seed "$seed" --threads 1)
nice -n 10 "$bin" lottery "${preset[@]}" --levels 18 --prune 0.2 --prune-output 0.1 --iterations 2000 --out "$out/masks-seed$seed"
nice -n 10 "$bin" lottery "${preset[@]}" --levels 0 --iterations "$iterations" --out "$out/it$iterations/dense-seed$seed"
for level in 03 07 12 15 18; do
  nice -n 10 "$bin" lottery "${preset[@]}" --levels 1 --prune 0 --reset reinit --transfer "$out/masks-seed$seed/level_$level/mask.safetensors" \
    --iterations "$iterations" --out "$out/it$iterations/level$level-seed$seed"
done
