#!/usr/bin/env python3
"""Paired A/B of the fused Winograd kernel on ResNet-18 width 16 (ab.sh's files in this folder):
per thread count, each pair's fused ÷ chunked training and evaluation img/s, their median, and the
pairs' spread. Usage: python3 ab.py [FOLDER]   (standard library only)"""
import json, os, re, statistics, sys
d = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
def w16(path):
    return next(x for x in json.load(open(path))["results"] if x["workload"] == "resnet18-w16")
for t in (1, 2):
    pairs = sorted(int(m.group(1)) for f in os.listdir(d) if (m := re.match(rf"ab-fused1-t{t}-round(\d+)\.json$", f))
                   and os.path.exists(os.path.join(d, f"ab-fused0-t{t}-round{m.group(1)}.json")))
    if not pairs:
        continue
    tr, ev, fa, ch = [], [], [], []
    for r in pairs:
        a, b = w16(os.path.join(d, f"ab-fused1-t{t}-round{r}.json")), w16(os.path.join(d, f"ab-fused0-t{t}-round{r}.json"))
        tr.append(a["trainImagesPerSecond"] / b["trainImagesPerSecond"]); ev.append(a["evalImagesPerSecond"] / b["evalImagesPerSecond"])
        fa.append(a["trainImagesPerSecond"]); ch.append(b["trainImagesPerSecond"])
    faster = sum(x > 1 for x in tr)
    print(f"{t} thread(s), {len(pairs)} pairs: training fused ÷ chunked median {statistics.median(tr):.3f} "
          f"(pairs {min(tr):.2f}–{max(tr):.2f}, fused faster in {faster} of {len(tr)}); "
          f"evaluation median {statistics.median(ev):.3f} ({min(ev):.2f}–{max(ev):.2f}); "
          f"training img/s medians fused {statistics.median(fa):.1f}, chunked {statistics.median(ch):.1f}")
