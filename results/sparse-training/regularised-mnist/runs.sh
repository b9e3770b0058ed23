#!/bin/bash
# The committed runs of this folder, from the repository root with a release build of the
# commit named in each run's command.txt. Each method runs its seeds side by side, one thread each.
set -e
OUT=results/sparse-training/regularised-mnist
COMMON="--data ${MASKLAB_DATA:-../shared/data} --model mlp --dataset mnist --batch-size 100 --threads 1 --quiet --overwrite"
ADAM="--optimizer adam --lr 0.001 --weight-decay 0"
vd() { .build/release/masklab train $COMMON $ADAM --mask vd --vd-kl-start 0 --vd-kl-full 2 --epochs 6 --seed $1 --out $OUT/vd-seed$1; }
l0() { .build/release/masklab train $COMMON $ADAM --mask l0 --l0-lambda 1000 --epochs 6 --seed $1 --out $OUT/l0-lambda1000-seed$1; }
# Second round: the gates start nearer to the test-time cut (log α₀ = log(0.2/0.8) = −1.39;
# the cut is ẑ = 0 ⇔ log α ≤ −2.40): Adam moves log α by at most ≈ lr per step, so from
# log α = 0 no gate reaches the cut in 6 cosine epochs. λ = 1000 with d = 0.8 collapsed (test
# accuracy 9% after 2 epochs, 99.9% pruned; stopped, see README), hence λ = 10 and 100; λ = 100
# collapsed too (9% after 2 epochs, 96% pruned; stopped).
l0d() { .build/release/masklab train $COMMON $ADAM --mask l0 --l0-lambda $2 --l0-droprate-init 0.8 --epochs 6 --seed $1 --out $OUT/l0-lambda$2-d0.8-seed$1; }
# Third round: the paper's initialisation (d = 0.5) with a 3× larger Adam rate for everything,
# so that log α can travel far enough in 6 epochs: λ = 100, then λ = 10.
l0f() { .build/release/masklab train $COMMON --optimizer adam --lr 0.003 --weight-decay 0 --mask l0 --l0-lambda $2 --epochs 6 --seed $1 --out $OUT/l0-lambda$2-lr0.003-seed$1; }
case "$1" in
  vd) vd "$2" ;;
  l0) l0 "$2" ;;
  l0d) l0d "$2" "$3" ;;
  l0f) l0f "$2" "$3" ;;
  l1) for lam in 0.002 0.005; do for s in 0 1 2; do l1 $lam $s; done; done ;;
esac
