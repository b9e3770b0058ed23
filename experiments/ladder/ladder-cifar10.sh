#!/usr/bin/env bash
# The source report's architecture ladder on CIFAR-10 (issue 21 item 3): MLP 2×64, LeNet-5, AlexNet
# (CIFAR form) and ResNet-34. Plan, budgets and what is compared: README.md beside this script
# (written before the runs). Resumable: a finished run (summary.json with status "completed") is
# skipped; an interrupted or stopped one (no summary, or status "stopped") continues from its last
# checkpoint with --resume (bit-identical to an uninterrupted run).
# Usage (repository root): bash experiments/ladder/ladder-cifar10.sh [STEP…]
#   STEP: mlp lenet5 alexnet resnet34 report (default: all five, in that order)
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${MASKLAB:-.build/release/masklab}
data=${MASKLAB_DATA:-../shared/data}
out=results/ladder
steps=("$@"); [ ${#steps[@]} -gt 0 ] || steps=(mlp lenet5 alexnet resnet34 report)
sgd=(--optimizer sgd --momentum 0.9 --nesterov --weight-decay 5e-4 --threads 2 --data "$data")

# run FOLDER ARGS…: train into FOLDER unless it holds a completed run (a stopped run's summary
# says "stopped": it resumes).
run() {
  local dir=$1; shift
  if grep -qs '"status" : "completed"' "$dir/summary.json"; then echo "skip  $dir (finished)"; return; fi
  echo "start $dir $(date -u +%FT%TZ)"
  "$bin" train "$@" --out "$dir" --resume --quiet
  echo "done  $dir $(date -u +%FT%TZ)"
}

for step in "${steps[@]}"; do
  case $step in
    mlp)
      for s in 0 1; do
        run $out/mlp-2x64-s$s --model mlp --hidden 64,64 --dataset cifar10 --batch-size 64 --lr 0.05 \
            --schedule cosine --epochs 20 "${sgd[@]}" --seed $s
      done ;;
    lenet5)
      for s in 0 1; do
        run $out/lenet5-s$s --config experiments/cifar10-lenet5.json --seed $s --data "$data"
      done ;;
    alexnet)
      for s in 0 1; do
        run $out/alexnet-s$s --model alexnet --dataset cifar10 --batch-size 128 --lr 0.05 --schedule onecycle \
            --epochs 20 "${sgd[@]}" --seed $s
      done ;;
    resnet34)
      run $out/resnet34-s0 --model resnet34 --dataset cifar10 --batch-size 128 --lr 0.1 --schedule onecycle \
          --epochs 5 "${sgd[@]}" --seed 0 --checkpoint-every-iterations 100 ;;
    report)
      python3 experiments/ladder/ladder_report.py $out ;;
    *) echo "unknown step $step (expected mlp, lenet5, alexnet, resnet34, report)" >&2; exit 64 ;;
  esac
done
