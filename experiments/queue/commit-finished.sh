#!/usr/bin/env bash
# Commits the finished run folders of the queue's studies (run.sh): a folder is finished when its
# summary.json says "completed" (an interrupted run's says "stopped"); only its own files, never
# checkpoints (.gitignore), and never a lottery level's branch subfolders still training.
# --masks: also the ticket masks (level_NN/mask.safetensors, ignored by .gitignore, so added with
# -f) of lottery chains not yet finished (no levels.csv), and every mask a chain transfers
# (--transfer): with them a chain goes on from git on a new machine. Run it so before a session
# or machine ends.
# Usage (repository root or anywhere in it): bash experiments/queue/commit-finished.sh [--masks]
set -uo pipefail
cd "$(dirname "$0")/../.."
masks=0; [ "${1:-}" = --masks ] && masks=1
roots=(results/compare-study-cifar-final/runs results/lottery/conv-cifar10 results/lottery/transfer-cifar10 results/ladder)
added=() paths=()
stage() { git add "$@" && paths+=("${@: -1}"); }
for r in "${roots[@]}"; do
  [ -d "$r" ] || continue
  while IFS= read -r s; do
    d=$(dirname "$s")
    grep -q '"status" : "completed"' "$s" || continue
    files=(); for f in "$d"/*; do [ -f "$f" ] && [ "${f%.safetensors}" = "$f" ] && files+=("$f"); done
    if [ -n "$(git status --porcelain --untracked-files=all -- "${files[@]}")" ]; then git add -- "${files[@]}"; paths+=("${files[@]}"); added+=("${d#results/}"); fi
  done < <(find "$r" -name summary.json | sort)
  while IFS= read -r l; do
    d=$(dirname "$l")
    for f in "$d"/*; do [ -f "$f" ] && [ "${f%.safetensors}" = "$f" ] && [ -n "$(git status --porcelain -- "$f")" ] && stage -- "$f"; done
    if [ $masks = 1 ] && [ ! -f "$d/levels.csv" ]; then
      for m in "$d"/level_[0-9][0-9]/mask.safetensors; do
        [ -f "$m" ] && [ -z "$(git ls-files -- "$m")" ] && stage -f -- "$m" && added+=("${m#results/}")
        sp="$(dirname "$m")/sparsity.csv"   # the mask's per-layer counts, written with it
        [ -f "$sp" ] && [ -n "$(git status --porcelain -- "$sp")" ] && stage -- "$sp"
      done
    fi
    # the mask a chain transfers (--transfer, inside this clone), finished or not: the chain needs it to go on elsewhere
    if [ $masks = 1 ]; then
      t=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("transfer") or "")' "$l" 2>/dev/null)
      t=${t#"$PWD/"}
      if [ -n "$t" ] && [ "${t#/}" = "$t" ] && [ -f "$t" ] && [ -z "$(git ls-files -- "$t")" ]; then stage -f -- "$t"; added+=("${t#results/}"); fi
    fi
  done < <(find "$r" -maxdepth 2 -name lottery.json | sort)
done
for f in results/ladder/REPORT.md results/ladder/curves.svg results/lottery/conv-cifar10/REPORT.md results/lottery/transfer-cifar10/REPORT.md; do
  [ -f "$f" ] && [ -n "$(git status --porcelain -- "$f")" ] && stage -- "$f"
done
[ ${#paths[@]} -gt 0 ] || { echo "nothing new"; exit 0; }
msg="Studies (running): finished runs committed"
[ ${#added[@]} -gt 0 ] && msg="Studies (running): $(printf '%s, ' "${added[@]}" | sed 's/, $//' | cut -c1-200) finished"
# only these paths: whatever else is staged in the checkout stays out of the commit
git commit -q -m "$msg" -- "${paths[@]}" && git log --oneline -1
