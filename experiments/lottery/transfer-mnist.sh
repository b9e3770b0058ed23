#!/usr/bin/env bash
# Ticket transfer (issue 16, item 5; Frankle & Carbin's question of whether a ticket found on one
# task is a ticket on another), on MNIST split into two 5-class tasks: A = digits 0–4 and
# B = digits 5–9 (`--classes`, relabelled 0–4 in both, so the 5-way output layer transfers too).
# LeNet-300-100, Frankle & Carbin's preset (experiments/lottery/lenet300-frankle.json: Adam 1.2e-3,
# batch 60, 5 000 validation images held out of the task's own training images), 2 000 iterations
# per level (scaled: the paper trains 50 000), 20% hidden / 10% output pruned per level, reset to θ0.
# Same seed ⇒ same θ0 on A and B (the initialisation depends on the seed and the model only), so
# the transferred ticket is A's mask *with* its θ0, trained on B.
#   1. A-chain: IMP on A, levels 0–7 (the masks to transfer);
#   2. B-chain: IMP on B, levels 0–7 (level 0 = the dense net on B; level L = B's own ticket);
#   3. B-random: the same chain on B pruning at random (a random mask of the same per-layer
#      sparsity at every level, same θ0);
#   4. A-to-B: A's level-L mask from θ0, trained on B (--levels 0 --transfer), for L in LEVELS.
# Usage: transfer-mnist.sh SEED [LEVEL…]   (default levels 03 07: 51.3% and 21.1% of the weights)
# The same design on another task and model (transfer-cifar10.sh) sets, in the environment:
# OUT (results folder), PRESET (the lottery flags of one training), CHAIN_LEVELS (7).
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${MASKLAB:-.build/release/masklab}
seed=$1; shift
if [ $# -eq 0 ]; then levels=(03 07); else levels=("$@"); fi
out=${OUT:-results/lottery/transfer-mnist}
A=0,1,2,3,4 B=5,6,7,8,9
read -r -a task <<< "${PRESET:---config experiments/lottery/lenet300-frankle.json --eval-every 100 --iterations 2000}"
preset=("${task[@]}" --seed "$seed" --threads 1)
chain=(--levels "${CHAIN_LEVELS:-7}" --prune 0.2 --prune-output 0.1)
nice -n 10 "$bin" lottery "${preset[@]}" "${chain[@]}" --classes $A --out "$out/A-chain-seed$seed"
nice -n 10 "$bin" lottery "${preset[@]}" "${chain[@]}" --classes $B --out "$out/B-chain-seed$seed"
nice -n 10 "$bin" lottery "${preset[@]}" "${chain[@]}" --classes $B --criterion random --out "$out/B-random-seed$seed"
for level in "${levels[@]}"; do
  nice -n 10 "$bin" lottery "${preset[@]}" --levels 0 --classes $B \
    --transfer "$out/A-chain-seed$seed/level_$level/mask.safetensors" --out "$out/A-to-B-level$level-seed$seed"
done
