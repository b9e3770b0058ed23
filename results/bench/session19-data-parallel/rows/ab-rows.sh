#!/usr/bin/env bash
# A/B: fc1's weight gradient split by rows (masklab-byrows) against by columns (masklab-dp --no-data-parallel = e969c48's ordinary step).
for r in $(seq 1 ${1:-8}); do
  for b in byrows cols; do
    if [ $b = cols ]; then cmd="./masklab-dp bench --no-data-parallel"; else cmd="./masklab-byrows bench"; fi
    $cmd --workloads mlp --steps 300 --warmup 30 --json-file rows2-r$r-$b.json > rows2-r$r-$b.txt 2>&1
    python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][0]; print('$r $b', r['threading']['roundTripNanoseconds'], round(r['trainImagesPerSecond']), 'fwd %.3f bwd %.3f opt %.3f' % (r['forwardSeconds']*1e3, r['backwardSeconds']*1e3, r['optimizerSeconds']*1e3))" rows2-r$r-$b.json
  done
  sleep 15
done
