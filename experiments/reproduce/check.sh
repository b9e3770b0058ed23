#!/usr/bin/env bash
# `masklab reproduce` over committed runs of several machines, commits and commands, each output
# kept in results/reproduce/<name>.txt with the binary's --version and the time. A run made on
# this CPU model and kernel set should come out identical; the others show what a difference
# looks like (README, "kernel set"). Usage (repository root):
#   MASKLAB=.build/release/masklab bash experiments/reproduce/check.sh [NAME…]   (only those checks)
set -uo pipefail
cd "$(dirname "$0")/../.."
M=${MASKLAB:-.build/release/masklab}
out=results/reproduce
mkdir -p "$out"
only=("$@")
check() {   # name folder [reproduce options]
  local name=$1 folder=$2; shift 2
  if [ ${#only[@]} -gt 0 ] && [[ ! " ${only[*]} " == *" $name "* ]]; then return; fi
  { echo "\$ masklab reproduce $folder $*"
    echo "binary: $("$M" --version) · $(date -u +%FT%TZ)"
    "$M" reproduce "$folder" --quiet "$@"
    echo "exit status: $?"
  } > "$out/$name.txt" 2>&1
  tail -n 1 "$out/$name.txt" | sed "s/^/$name: /"
}
check mnist-impacts-seed0        results/compare-mnist-mlp/runs/impacts/seed-0
check mnist-dropconnect-seed3    results/compare-mnist-mlp/runs/dropconnect/seed-3
check transfer-A1-level02        results/lottery/transfer-cifar10/A-chain-seed1/level_02
check conv6-global-s1-level03    results/lottery/conv-cifar10/conv6-global-s1/level_03 --epochs 1
check cifar-w16-baseline-seed0   results/compare-cifar10-resnet18-w16/runs/baseline/seed-0 --epochs 1
check cifarE-baseline-seed0      results/compare-study-cifar-early/runs/baseline/seed-0 --epochs 1
check ladder-mlp-2x64-s0         results/ladder/mlp-2x64-s0 --epochs 1
# Study F is blinded until its last run ends: a DIFFERENT line would print one of its values, so
# its check runs only when named (check.sh studyF-impacts-seed1), on the machine that made it.
if [[ " ${only[*]} " == *" studyF-impacts-seed1 "* ]]; then
  check studyF-impacts-seed1     results/compare-study-cifar-final/runs/impacts/seed-1 --epochs 1
fi
