#!/usr/bin/env bash
# One thread against two threads with every region kept on the calling thread (--round-trip 1000000000: the
# two-thread chunking, run one chunk after the other), MLP batch 60, alternating; binary of e969c48's kernels.
for r in $(seq 1 ${1:-6}); do
  for m in one serial2; do
    if [ $m = one ]; then a="--threads 1"; else a="--threads 2 --round-trip 1000000000"; fi
    ./masklab-dp bench --workloads mlp --steps 400 --warmup 40 --no-data-parallel $a --json-file serial-r$r-$m.json > serial-r$r-$m.txt 2>&1
    python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][0]; print('$r $m', round(r['trainImagesPerSecond']), 'fwd %.3f bwd %.3f opt %.3f' % (r['forwardSeconds']*1e3, r['backwardSeconds']*1e3, r['optimizerSeconds']*1e3))" serial-r$r-$m.json
  done
done
