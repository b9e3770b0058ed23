#!/usr/bin/env python3
"""Pairs two variants' runs of an A/B script by round and prints each pair's ratio (NEW / OLD) of
training and evaluation img/s with both runs' host load (steal or other processes, the larger, %
of the machine during the measured steps; blank in JSON from before it was recorded), then per
workload and threads the pairs, how many were faster in training and the median ratios.
Files are named VARIANT-WORKLOAD-tTHREADS-roundN.json.
Usage: python3 ab.py DIR [NEW OLD]   (default: vector portable, ab-env.sh's names;
session 35's ab-bin.sh writes after and before)"""
import glob, json, os, re, statistics, sys

d = sys.argv[1]
new, old = (sys.argv[2], sys.argv[3]) if len(sys.argv) > 3 else ("vector", "portable")
runs = {}
for f in glob.glob(os.path.join(d, "*.json")):
    m = re.match(rf"({new}|{old})-(.+)-t(\d+)-round(\d+)\.json$", os.path.basename(f))
    if not m:
        continue
    j = json.load(open(f))
    r = j["results"][0] if "results" in j else j
    load = r.get("hostLoad")
    host = f"{100 * max(load.get('stealShare', 0), load.get('otherProcessesShare', 0)):.1f}%" if load else ""
    runs[(m[2], int(m[3]), int(m[4]), m[1])] = (r["trainImagesPerSecond"], r["evalImagesPerSecond"], host)
by = {}
for w, t, rnd in sorted({k[:3] for k in runs}):
    if (w, t, rnd, new) not in runs or (w, t, rnd, old) not in runs:
        continue
    v, p = runs[(w, t, rnd, new)], runs[(w, t, rnd, old)]
    tr, ev = v[0] / p[0], v[1] / p[1]
    by.setdefault((w, t), []).append((tr, ev))
    print(f"{w} t{t} round {rnd}: train {v[0]:.1f} / {p[0]:.1f} = {tr:.3f}, eval {v[1]:.1f} / {p[1]:.1f} = {ev:.3f}"
          + (f" (host load {new} {v[2]}, {old} {p[2]})" if v[2] or p[2] else ""))
for (w, t), xs in sorted(by.items()):
    print(f"{w} t{t}: {len(xs)} pairs ({sum(1 for x in xs if x[0] > 1)} faster in training), median train ratio "
          f"{statistics.median(x[0] for x in xs):.3f}, median eval ratio {statistics.median(x[1] for x in xs):.3f}")
