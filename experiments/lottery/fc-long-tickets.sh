#!/usr/bin/env bash
# Frankle & Carbin's "tickets learn faster" without the 2 000-iteration cap (issue 16, item 2).
# 1. The IMP chain of fc-lenet300.sh (Adam 1.2e-3, batch 60, 5 000 validation images, 20% hidden /
#    10% output per level, reset to θ0, 2 000 iterations per level, no branches) up to level
#    CHAIN_LEVELS gives the masks.
# 2. The dense net and the tickets at the given LEVELs (3, 7, 12, 15, 18 = 51%, 21%, 7%, 3.6%,
#    1.85% of the weights) trained for ITERATIONS from the seed's θ0 (--levels 0 --transfer: level
#    0 is exactly the ticket, same data order and validation split), in the order given.
# fc-long-reinit.sh adds the re-initialisation control. Session of issue 16 (CPU budget):
#   fc-long-tickets.sh 20000 SEED 7 07 03   for SEED = 1, 2;   the full plan: … 18 07 15 03 12 18
# Session 10: seed 3 with the full plan; seeds 1 and 2 at levels 12 15 18 from a new 18-level chain
#   MASKS_DIR=results/lottery/fc-long/masks18-seedS fc-long-tickets.sh 20000 S 18 12 15 18
# (a lottery folder cannot be extended to more levels; the new chain's levels 0–7 are checked
# against masks-seedS). MASKS_DIR (default results/lottery/fc-long/masks-seedSEED) is the chain's folder.
# Usage: [MASKS_DIR=…] fc-long-tickets.sh ITERATIONS SEED CHAIN_LEVELS LEVEL…
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${MASKLAB:-.build/release/masklab}
iterations=$1 seed=$2 chain=$3; shift 3
out=results/lottery/fc-long
masks=${MASKS_DIR:-$out/masks-seed$seed}
preset=(--config experiments/lottery/lenet300-frankle.json --eval-every 100 --seed "$seed" --threads 1)
nice -n 10 "$bin" lottery "${preset[@]}" --levels "$chain" --prune 0.2 --prune-output 0.1 --iterations 2000 --out "$masks"
nice -n 10 "$bin" lottery "${preset[@]}" --levels 0 --iterations "$iterations" --out "$out/it$iterations/dense-seed$seed"
for level in "$@"; do
  nice -n 10 "$bin" lottery "${preset[@]}" --levels 0 --transfer "$masks/level_$level/mask.safetensors" \
    --iterations "$iterations" --out "$out/it$iterations/level$level-seed$seed"
done
