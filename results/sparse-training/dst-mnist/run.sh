#!/usr/bin/env bash
# The runs of this folder: LeNet-300-100 on MNIST (the default job's SGD/Nesterov 0.9, lr 0.05, cosine,
# weight decay 1e-4, batch 64) for 10 epochs, at 90% sparsity (keep 0.1) for the sparse arms.
# Usage (from the repository root): [SEEDS="1 2 3"] [ARMS="dense …"] bash results/sparse-training/dst-mnist/run.sh [masklab]
set -euo pipefail
MASKLAB=${1:-.build/release/masklab}
OUT=results/sparse-training/dst-mnist
COMMON=(train --data "${MASKLAB_DATA:-/work/shared/data}" --model mlp --hidden 300,100 --epochs 10 --threads 1)
declare -A FLAGS=(
  [dense]="--mask none --keep 0.1"   # no mask; keep only aligns the config with the sparse arms (masklab plot labels)
  [magnitude]="--mask magnitude --keep 0.1"
  [random]="--mask random --keep 0.1"
  [set]="--mask set --keep 0.1"
  [rigl]="--mask rigl --keep 0.1"
  [rigl-erk]="--mask rigl --keep 0.1 --dst-density erk"
)
for seed in ${SEEDS:-1 2 3}; do
  for arm in ${ARMS:-dense magnitude random set rigl rigl-erk}; do
    dir=$OUT/$arm/seed-$seed
    [ -f "$dir/summary.json" ] && continue
    # shellcheck disable=SC2086
    "$MASKLAB" "${COMMON[@]}" ${FLAGS[$arm]} --seed "$seed" --out "$dir" --resume
    rm -f "$dir/last.safetensors"
  done
done
