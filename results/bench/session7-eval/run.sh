#!/bin/sh
# Before/after evaluation throughput against PyTorch on a LOADED machine (see README.md).
# BEFORE: masklab built from 01a2ced (main at the start of the session); AFTER: built from this branch.
OUT=results/bench/session7-eval
BEFORE=${BEFORE:-/tmp/eval-masklab-before}
AFTER=${AFTER:-.build/release/masklab}
for r in 1 2 3; do
  if [ $((r % 2)) -eq 1 ]; then first=before; second=after; else first=after; second=before; fi
  for v in $first torch $second; do
    uptime > $OUT/load-round$r-$v.txt
    case $v in
      before) $BEFORE bench --steps 6 --threads 2 --round-trip 0 --json-file $OUT/before-round$r.json > $OUT/before-round$r.txt 2>/dev/null ;;
      after)  $AFTER bench --steps 6 --threads 2 --round-trip 0 --json-file $OUT/after-round$r.json > $OUT/after-round$r.txt 2>/dev/null ;;
      torch)  /work/torch-venv/bin/python bench/torch_anchor.py --threads 2 --steps 6 > $OUT/torch-round$r.txt ;;
    esac
  done
done
