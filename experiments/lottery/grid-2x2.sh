#!/usr/bin/env bash
# The 2×2 grid's sign (issue 16, item 1): magnitude pruning of LeNet-300-100 on MNIST (Adam 1.2e-3,
# batch 60), final prune ratio P of the hidden weights reached in n rounds, each (P, n, seed) its
# own chain, so ratio, rounds and chain are not confounded. Per (P, n, seed):
#   theta0-…        reset to θ0 every round (the ticket, level n) + the level-n mask trained from a
#                   fresh initialisation (branch reinit at level n only: re-initialisation at the end);
#   reinit-every-…  survivors re-initialised after every round (--reset reinit), n = 3 only: for
#                   n = 1 it is the theta0 chain's reinit branch (same mask, same fresh-init stream).
# The output layer loses P/2 in the end for both n (per round 1 − (1 − P/2)^(1/n)).
# Usage: grid-2x2.sh ITERATIONS EVAL_EVERY SEED…   (see results/lottery/grid-2x2/PROTOCOL.md)
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${MASKLAB:-.build/release/masklab}
iterations=$1 every=$2; shift 2
out=results/lottery/grid-2x2/it$iterations
for seed in "$@"; do
  for P in 0.2 0.4 0.6 0.7 0.8 0.85; do
    for n in 1 3; do
      pout=$(awk -v P="$P" -v n="$n" 'BEGIN { printf "%.12g", 1 - (1 - P / 2) ^ (1 / n) }')
      common=(--config experiments/lottery/lenet300-frankle.json --levels "$n" --final-pruned "$P" --prune-output "$pout"
              --iterations "$iterations" --eval-every "$every" --seed "$seed" --threads 1)
      nice -n 10 "$bin" lottery "${common[@]}" --branches reinit --branch-levels "$n" --out "$out/theta0-P$P-n$n-seed$seed"
      if [ "$n" -gt 1 ]; then
        nice -n 10 "$bin" lottery "${common[@]}" --reset reinit --out "$out/reinit-every-P$P-n$n-seed$seed"
      fi
    done
  done
done
