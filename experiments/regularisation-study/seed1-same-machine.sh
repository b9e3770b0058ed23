#!/usr/bin/env bash
# Study F's seed 1 on one machine (experiments/regularisation-study/seed1-same-machine.md, declared
# before its runs): trains F's `baseline` and `dropconnect` seed 1 again from their own config.json
# (side by side, one thread each, resumable), then applies F's declared analysis to a copy of F's
# committed runs with those two replaced, and writes results/study-f-seed1-same-machine/: that
# analysis whole (REPORT.md, its tables and figures) and README.md, its primary contrasts beside F's.
# Usage (repository root): bash experiments/regularisation-study/seed1-same-machine.sh [train] [report]
#   TRAIN_BIN: the binary that trains (default /work/study-bin/.build/release/masklab, the binary of
#   F's EPYC runs); MASKLAB: the binary that analyses (default .build/release/masklab);
#   MASKLAB_DATA: the data (default ../shared/data).
set -euo pipefail
cd "$(dirname "$0")/../.."
train_bin=${TRAIN_BIN:-/work/study-bin/.build/release/masklab}
report_bin=${MASKLAB:-.build/release/masklab}
data=${MASKLAB_DATA:-../shared/data}
f=results/compare-study-cifar-final
out=results/study-f-seed1-same-machine
steps=("$@"); [ ${#steps[@]} -eq 0 ] && steps=(train report)
for step in "${steps[@]}"; do
  case $step in
    train)
      pids=()
      for arm in baseline dropconnect; do
        dir=$out/runs/$arm/seed-1
        if grep -qs '"status" : "completed"' "$dir/summary.json"; then echo "skip  $dir (finished)"; continue; fi
        mkdir -p "$(dirname "$dir")"
        echo "start $dir $(date -u +%FT%TZ)"
        "$train_bin" train --config "$f/runs/$arm/seed-1/config.json" --out "$dir" --data "$data" --resume --quiet &
        pids+=($!)
      done
      for p in "${pids[@]}"; do wait "$p"; done
      echo "trained $(date -u +%FT%TZ)" ;;
    report)
      for arm in baseline dropconnect; do
        grep -qs '"status" : "completed"' "$out/runs/$arm/seed-1/summary.json" || { echo "$out/runs/$arm/seed-1 has not finished; run the train step" >&2; exit 66; }
      done
      tmp=$(mktemp -d)
      trap 'rm -rf "$tmp"' EXIT
      git archive --format=tar HEAD -- "$f" | tar -x -C "$tmp"
      for arm in baseline dropconnect; do
        rm -rf "$tmp/$f/runs/$arm/seed-1"
        mkdir -p "$tmp/$f/runs/$arm/seed-1"
        # The run's records, not its checkpoint (as committed for every run of F).
        find "$out/runs/$arm/seed-1" -maxdepth 1 -type f ! -name '*.safetensors' ! -name '.lock' -exec cp {} "$tmp/$f/runs/$arm/seed-1/" \;
      done
      # F's findings.md describes F's own numbers: replaced by a pointer to this check's README.
      rm -f "$tmp/$f"/*.csv "$tmp/$f"/*.svg "$tmp/$f/REPORT.md"
      echo "This analysis's primary contrasts beside F's declared ones, and the machine effect on one run: [README.md](README.md)." > "$tmp/$f/findings.md"
      "$report_bin" compare "$tmp/$f/compare.json" --report-only --out "$tmp/results" > /dev/null
      # The substituted analysis whole (its REPORT.md links its figures), then the summary beside F's.
      { echo "> **Not study F's report.** Study F's declared analysis applied to F's committed runs with \`baseline\` and"
        echo "> \`dropconnect\` seed 1 replaced by the runs in \`runs/\` (trained again on the AMD EPYC); exploratory, see"
        echo "> [README.md](README.md) and [the plan](../../experiments/regularisation-study/seed1-same-machine.md)."
        echo
        cat "$tmp/$f/REPORT.md"; } > "$out/REPORT.md"
      cp "$tmp/$f"/*.csv "$tmp/$f"/*.svg "$out/"
      python3 experiments/regularisation-study/seed1_same_machine_report.py "$f" "$out" > "$out/README.md"
      echo "wrote $out/README.md and the substituted analysis ($out/REPORT.md)" ;;
    *) echo "unknown step $step (expected train, report)" >&2; exit 64 ;;
  esac
done
