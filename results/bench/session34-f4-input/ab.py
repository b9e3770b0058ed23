#!/usr/bin/env python3
"""Pairs the vector and portable runs of ab-env.sh by round and prints each pair's ratio
(vector / portable) of training and evaluation img/s, and the medians per workload and threads.
Usage: python3 ab.py DIR"""
import glob, json, os, re, statistics, sys

d = sys.argv[1]
runs = {}
for f in glob.glob(os.path.join(d, "*.json")):
    m = re.match(r"(vector|portable)-(.+)-t(\d+)-round(\d+)\.json$", os.path.basename(f))
    if not m:
        continue
    j = json.load(open(f))
    r = j["results"][0] if "results" in j else j
    runs[(m[2], int(m[3]), int(m[4]), m[1])] = (r["trainImagesPerSecond"], r["evalImagesPerSecond"])
keys = sorted({k[:3] for k in runs})
by = {}
for w, t, rnd in keys:
    if (w, t, rnd, "vector") not in runs or (w, t, rnd, "portable") not in runs:
        continue
    v, p = runs[(w, t, rnd, "vector")], runs[(w, t, rnd, "portable")]
    tr, ev = v[0] / p[0], v[1] / p[1]
    by.setdefault((w, t), []).append((tr, ev))
    print(f"{w} t{t} round {rnd}: train {v[0]:.1f} / {p[0]:.1f} = {tr:.3f}, eval {v[1]:.1f} / {p[1]:.1f} = {ev:.3f}")
for (w, t), xs in sorted(by.items()):
    print(f"{w} t{t}: {len(xs)} pairs, median train ratio {statistics.median(x[0] for x in xs):.3f}, "
          f"median eval ratio {statistics.median(x[1] for x in xs):.3f}")
