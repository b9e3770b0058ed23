#!/usr/bin/env bash
# grid-2x2.sh with the dense level 0 trained once per seed (CPU budget of the 5 000-iteration runs).
# Every chain of a seed starts from the same θ0 with the same data order, so its level 0 is the
# same training: the seed's first chain (theta0-P0.2-n1) trains it, and every other chain's folder
# is given a copy of that level_00 and init.safetensors before `lottery` runs, which then skips the
# finished level 0 (its level.json exists) and prunes from its last.safetensors. Level 0's own
# command.txt names the chain that trained it. Same commands and folders as grid-2x2.sh otherwise;
# the P order interleaves low and high ratios so a seed cut short still spans the range. Chains
# committed to git are skipped (finished; their checkpoints are not committed). The donor's level 0
# needs its last.safetensors: where only the committed results exist, train it again first
# (session 10: /work/grid-run10.sh did so for seeds 1 and 2 and checked the bits).
# Usage: grid-2x2-shared.sh ITERATIONS EVAL_EVERY SEED…
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${MASKLAB:-.build/release/masklab}
iterations=$1 every=$2; shift 2
out=results/lottery/grid-2x2/it$iterations
chain() {  # folder, then lottery flags
  local dir=$1; shift
  # A chain committed to git is finished; its checkpoints are not in git, so it cannot be resumed.
  git ls-files --error-unmatch "$dir/levels.csv" > /dev/null 2>&1 && return 0
  if [ "$dir" != "$donor" ] && [ ! -e "$dir" ]; then
    [ -f "$donor/level_00/level.json" ] || { echo "no finished level 0 in $donor" >&2; exit 1; }
    mkdir -p "$dir"
    cp "$donor/init.safetensors" "$dir/"
    cp -r "$donor/level_00" "$dir/"
    rm -f "$dir/level_00/.lock"
  fi
  nice -n 10 "$bin" lottery "$@" --out "$dir"
}
for seed in "$@"; do
  donor=$out/theta0-P0.2-n1-seed$seed
  for P in 0.2 0.85 0.6 0.4 0.8 0.7; do
    for n in 1 3; do
      pout=$(awk -v P="$P" -v n="$n" 'BEGIN { printf "%.12g", 1 - (1 - P / 2) ^ (1 / n) }')
      common=(--config experiments/lottery/lenet300-frankle.json --levels "$n" --final-pruned "$P" --prune-output "$pout"
              --iterations "$iterations" --eval-every "$every" --seed "$seed" --threads 1)
      chain "$out/theta0-P$P-n$n-seed$seed" "${common[@]}" --branches reinit --branch-levels "$n"
      if [ "$n" -gt 1 ]; then
        chain "$out/reinit-every-P$P-n$n-seed$seed" "${common[@]}" --reset reinit
      fi
    done
  done
done
