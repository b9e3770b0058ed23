#!/usr/bin/env bash
# Structured pruning on CIFAR-10 (issue 18, item 5): the dense ResNet-18 width 16 runs of
# experiments/sparse-training/dst-cifar10-resnet18-w16.json (8 epochs, seeds 0-3) are pruned by
# whole channels inside every BasicBlock (ratio 0.5 and 0.75, criteria l1-filter and bn-gamma) and
# fine-tuned for 2 epochs at lr 0.01 (cosine), as the pruning sweep fine-tunes; ratio 0 is the dense
# network fine-tuned the same way (the control). Two jobs side by side, 1 thread each.
# Usage (repository root, after the DST comparison): bash experiments/sparse-training/structured-cifar10-resnet18-w16.sh [masklab]
set -euo pipefail
MASKLAB=${1:-.build/release/masklab}
DATA=${MASKLAB_DATA:-/work/shared/data}
DENSE=${DENSE:-results/sparse-training/compare-dst-cifar10-resnet18-w16/runs/dense}
OUT=${OUT:-results/sparse-training/structured-cifar10-resnet18-w16}
SEEDS=${SEEDS:-0 1 2 3}
FINETUNE=(--epochs 2 --lr 0.01 --threads 1 --data "$DATA" --resume --quiet)
mkdir -p "$OUT"
one() {   # seed criterion ratio
  local s=$1 c=$2 r=$3 dir="$OUT/$2-$3/seed-$1"
  [ -f "$dir/summary.json" ] && return 0
  if [ "$r" = 0 ]; then
    "$MASKLAB" train --config "$DENSE/seed-$s/config.json" --init-from "$DENSE/seed-$s/last.safetensors" "${FINETUNE[@]}" --out "$dir"
  else
    local pruned="$OUT/$c-$r/pruned-seed-$s"
    [ -f "$pruned/model.safetensors" ] || "$MASKLAB" prune "$DENSE/seed-$s" --structured --ratio "$r" --criterion "$c" --out "$pruned" > /dev/null
    "$MASKLAB" train --config "$pruned/config.json" --init-from "$pruned/model.safetensors" "${FINETUNE[@]}" --out "$dir"
  fi
  rm -f "$dir/last.safetensors"
}
jobs=()
for s in $SEEDS; do
  jobs+=("$s dense 0")
  for c in l1-filter bn-gamma; do for r in 0.5 0.75; do jobs+=("$s $c $r"); done; done
done
failed=0
for ((i = 0; i < ${#jobs[@]}; i += 2)); do
  one ${jobs[i]} & a=$!
  if (( i + 1 < ${#jobs[@]} )); then one ${jobs[i + 1]} & b=$!; wait $b || failed=1; fi
  wait $a || failed=1
done
exit $failed
