#!/usr/bin/env python3
"""Stride-2 layers' forward and backward ms per step in `bench --layers` JSON files, side by side.
Usage: python3 layers.py A1.json[,A2.json…] B1.json[,B2.json…]   (means over each side's files)"""
import json, sys
def read(files):
    out, steps = {}, []
    for f in files.split(','):
        r = json.load(open(f))['results'][0]
        steps.append(r['layers']['stepSeconds'] * 1e3)
        for e in r['layers']['entries']:
            if '/2 ' in e['kind']:
                out.setdefault(e['name'], []).append((e['forwardNanoseconds'] / e['forwardCalls'] / 1e6,
                                                      e['backwardNanoseconds'] / e['backwardCalls'] / 1e6, e['kind']))
    return out, steps
a, sa = read(sys.argv[1]); b, sb = read(sys.argv[2])
mean = lambda xs: sum(xs) / len(xs)
print('| layer | what (B) | forward A | forward B | backward A | backward B | backward A ÷ B |')
print('|---|---|---:|---:|---:|---:|---:|')
ta = tb = 0
for name in a:
    fa, ba = mean([x[0] for x in a[name]]), mean([x[1] for x in a[name]])
    fb, bb = mean([x[0] for x in b[name]]), mean([x[1] for x in b[name]])
    ta += fa + ba; tb += fb + bb
    print(f'| {name} | {b[name][0][2]} | {fa:.2f} | {fb:.2f} | {ba:.2f} | {bb:.2f} | {ba / bb:.2f} |')
print(f'\nstrided layers, forward + backward: A {ta:.1f} ms, B {tb:.1f} ms per step (A ÷ B {ta / tb:.3f});'
      f' layer-timed step A {mean(sa):.1f} ms, B {mean(sb):.1f} ms (A ÷ B {mean(sa) / mean(sb):.3f})')
