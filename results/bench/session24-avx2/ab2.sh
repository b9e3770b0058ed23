#!/bin/bash
for r in $(seq 1 10); do
  for t in 1 2; do
    for b in base:/work/main/.build/release/masklab avx:/tmp/avxbuild/release/masklab; do
      n=${b%%:*}; p=${b#*:}
      $p bench --workloads resnet18-w16 --steps 8 --warmup 2 --threads $t --json-file j-$r-$t-$n.json > /dev/null 2>&1
    done
  done
done
