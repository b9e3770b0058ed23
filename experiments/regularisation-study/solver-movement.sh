#!/usr/bin/env bash
# Issue 15 item 3: how far the importance solver moves w from its g² start, under the default
# settings, the study's (backtracking) and the seed's (per-layer, 400 steps, η = 1 on the raw ∇φ,
# γ = 0.01), solved on the same trained network: study F's `impacts` seed 5 after its 25 epochs
# (ResNet-18 width 16, CIFAR-10, 16 masked tensors, one batch of 128, λ = 0), and the same seed's
# network after one training step (a refresh near the start of training).
# Usage (repository root): bash experiments/regularisation-study/solver-movement.sh
# Writes results/solver-movement/<state>-<setting>/ (stats.csv, histograms, command.txt).
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${MASKLAB:-.build/release/masklab}
data=${MASKLAB_DATA:-../shared/data}
out=results/solver-movement
final=results/compare-study-cifar-final/runs/impacts/seed-5
start=$out/start-run
mkdir -p "$out"
# F's checkpoints are not in git: in a fresh clone the final state is trained again by `masklab
# reproduce` (25 epochs, ≈ 1 h on 1 thread), which checks every metric bit for bit against the
# committed run and stops the script (exit 2, final-run.partial kept for a look) when this CPU
# model or kernel set gives other bits; the rows would then describe another network than F's.
# The reproduction goes to final-run.partial and becomes final-run only when every value matched,
# so an interrupted or mismatched one is never used (nor committed: .gitignore lists both).
if [ ! -f "$final/last.safetensors" ]; then
  if [ ! -f "$out/final-run/last.safetensors" ]; then
    echo "solver-movement: $final has no checkpoint (checkpoints are not committed); training it again with masklab reproduce" >&2
    rm -rf "$out/final-run" "$out/final-run.partial"
    "$bin" reproduce "$final" --data "$data" --out "$out/final-run.partial" --quiet
    mv "$out/final-run.partial" "$out/final-run"
  fi
  final=$out/final-run
fi
# The start state: F's impacts seed-5 config, one training step (the config's first refresh solves
# at iteration 0, before that step; the weights saved are after it).
[ -f "$start/summary.json" ] || "$bin" train --config "$final/config.json" --iterations 1 --data "$data" --out "$start" --quiet --overwrite
common=(--data "$data" --threads 2 --lambda 0 --overwrite)
for state in final start; do
  src=$final; [ $state = start ] && src=$start
  "$bin" importance "$src" "${common[@]}" --out $out/$state-default --importance-solve joint --importance-steps 100 --importance-eta 0.05 \
      --importance-normalisation rms --importance-step-control fixed --importance-gamma 0.05
  "$bin" importance "$src" "${common[@]}" --out $out/$state-study --importance-solve joint --importance-steps 100 --importance-eta 0.05 \
      --importance-normalisation rms --importance-step-control backtracking --importance-gamma 0.05
  "$bin" importance "$src" "${common[@]}" --out $out/$state-seed --importance-solve perLayer --importance-steps 400 --importance-eta 1 \
      --importance-normalisation none --importance-step-control fixed --importance-gamma 0.01
done
python3 experiments/regularisation-study/solver_movement_table.py $out > $out/README.md
