#!/usr/bin/env bash
# Session 26 (issue 14, item 5): 1-thread profile of ResNet-18 width 16's measuring child with the
# fused Winograd kernel (default) and with the chunked path (MASKLAB_FUSED_WINOGRAD=0), one after
# the other, as session 19's profile19.sh. Width 64 and the MLP use no fused layer (unchanged).
# Usage (this folder): M=<masklab binary> ./profile26.sh
set -eu
M=${M:-/work/main/.build/release/masklab}
perf record -q -F 499 -o w16.data $M bench --workload resnet18-w16 --steps 20 --warmup 2 --threads 1 > /dev/null
MASKLAB_FUSED_WINOGRAD=0 perf record -q -F 499 -o w16-chunked.data $M bench --workload resnet18-w16 --steps 20 --warmup 2 --threads 1 > /dev/null
for w in w16 w16-chunked; do perf report -i $w.data --no-children --sort symbol -g none --stdio 2>/dev/null | grep -E "^ +[0-9.]+%" | head -60 > $w.txt; rm -f $w.data; done
python3 ../../../bench/perf_categories.py "resnet18 w16, fused (default)=w16.txt" "resnet18 w16, MASKLAB_FUSED_WINOGRAD=0=w16-chunked.txt" > table.md
