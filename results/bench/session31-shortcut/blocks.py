#!/usr/bin/env python3
"""Identity blocks' conv1 and output-pass (bn2 slot) backward ms per step in `bench --layers`
JSON files, A against B, paired by round; the layer-timed step as well.
Usage: python3 blocks.py A1.json,A2.json… B1.json,B2.json…   (the i-th A pairs with the i-th B)"""
import json, statistics, sys
IDENTITY = ['layer1.0', 'layer1.1', 'layer2.1', 'layer3.1', 'layer4.1']
def read(f):
    r = json.load(open(f))['results'][0]
    per = {e['name']: e['backwardNanoseconds'] / e['forwardCalls'] / 1e6 for e in r['layers']['entries']}
    return per, r['layers']['stepSeconds'] * 1e3
A = [read(f) for f in sys.argv[1].split(',')]; B = [read(f) for f in sys.argv[2].split(',')]
med = statistics.median
print('| block | conv1 bwd A | conv1 bwd B | output bwd A | output bwd B | sum A ÷ B (median of pairs) |')
print('|---|---:|---:|---:|---:|---:|')
for blk in IDENTITY:
    c, o = blk + '.conv1', blk + '.bn2'
    ca, cb = med([a[0][c] for a in A]), med([b[0][c] for b in B])
    oa, ob = med([a[0][o] for a in A]), med([b[0][o] for b in B])
    ratio = med([(a[0][c] + a[0][o]) / (b[0][c] + b[0][o]) for a, b in zip(A, B)])
    print(f'| {blk} | {ca:.2f} | {cb:.2f} | {oa:.2f} | {ob:.2f} | {ratio:.3f} |')
sa = [sum(a[0][blk + s] for blk in IDENTITY for s in ('.conv1', '.bn2')) for a in A]
sb = [sum(b[0][blk + s] for blk in IDENTITY for s in ('.conv1', '.bn2')) for b in B]
pairs = [x / y for x, y in zip(sa, sb)]
print(f'\nidentity blocks, conv1 + output backward: A {med(sa):.2f} ms, B {med(sb):.2f} ms per step; '
      f'A ÷ B per pair {", ".join(f"{p:.3f}" for p in pairs)} (median {med(pairs):.3f})')
steps = [a[1] / b[1] for a, b in zip(A, B)]
print(f'layer-timed step: A {med([a[1] for a in A]):.1f} ms, B {med([b[1] for b in B]):.1f} ms; '
      f'A ÷ B per pair {", ".join(f"{p:.3f}" for p in steps)} (median {med(steps):.3f})')
