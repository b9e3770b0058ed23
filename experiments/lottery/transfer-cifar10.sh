#!/usr/bin/env bash
# Ticket transfer on CIFAR-10 (issue 16, item 5): transfer-mnist.sh's design with Conv-2 on two
# 5-class tasks, A = classes 0–4 (airplane, automobile, bird, cat, deer) and B = 5–9 (dog, frog,
# horse, ship, truck), each relabelled 0–4. Conv-2 as in conv-tickets-cifar10.sh (Adam 2e-4,
# batch 60, constant rate, no augmentation, 5 000 validation images of the task's own training
# images), 1 000 iterations per training, 4 IMP levels of 20% hidden / 10% output, reset to θ0.
# Arms on B at levels 2 and 4 (64% and 41% of the hidden weights): B's dense net and own ticket,
# A's ticket with θ0 (--transfer), a random mask of the same per-layer sparsity. Plan:
# conv-tickets-cifar10.md. Usage (repository root): transfer-cifar10.sh SEED
set -euo pipefail
data=${MASKLAB_DATA:-../shared/data}
OUT=results/lottery/transfer-cifar10 CHAIN_LEVELS=4 \
PRESET="--model conv2 --dataset cifar10 --optimizer adam --lr 2e-4 --weight-decay null --schedule constant --batch-size 60 --no-augment --validation 5000 --iterations 1000 --eval-every 125 --data $data" \
  bash "$(dirname "$0")/transfer-mnist.sh" "$1" 02 04
