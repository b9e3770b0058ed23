#!/usr/bin/env bash
# 1-thread profiles of the measuring child only (the setting the studies run: jobs x 1 thread), as session 8's perf8.sh.
M=${MASKLAB:-/work/ci19b/.build/release/masklab}
perf record -q -F 499 -o w16.data $M bench --workload resnet18-w16 --steps 20 --warmup 2 --threads 1 > /dev/null
perf record -q -F 299 -o w64.data $M bench --workload resnet18-w64 --steps 4 --warmup 1 --threads 1 > /dev/null
perf record -q -F 999 -o mlp.data $M bench --workload mlp --steps 4000 --warmup 50 --threads 1 > /dev/null
for w in w16 w64 mlp; do perf report -i $w.data --no-children --sort symbol -g none --stdio 2>/dev/null | grep -E "^ +[0-9.]+%" | head -60 > $w.txt; rm -f $w.data; done
python3 categorise.py > table.md
