#!/usr/bin/env python3
"""Paired A/B of two binaries (ab.sh's files in this folder): per workload and thread count, each
pair's B ÷ A training and evaluation img/s, their medians, the pairs' spread and a two-sided sign
test; and the ratio of each pair's fastest training steps (less sensitive to a noisy host, whose
steps vary within one process). Usage: python3 ab.py [FOLDER]   (standard library only)"""
import json, math, os, re, statistics, sys
d = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
def row(path, w):
    return next(x for x in json.load(open(path))["results"] if x["workload"] == w)
def sign_p(k, n):
    tail = sum(math.comb(n, i) for i in range(0, min(k, n - k) + 1)) / 2 ** n
    return min(1.0, 2 * tail)
keys = sorted({(m.group(1), int(m.group(2))) for f in os.listdir(d) if (m := re.match(r"ab-B-(.+)-t(\d+)-round\d+\.json$", f))})
for w, t in keys:
    pairs = sorted(int(m.group(1)) for f in os.listdir(d) if (m := re.match(rf"ab-B-{re.escape(w)}-t{t}-round(\d+)\.json$", f))
                   and os.path.exists(os.path.join(d, f"ab-A-{w}-t{t}-round{m.group(1)}.json")))
    tr, ev, a_tr, b_tr, fastest = [], [], [], [], []
    for r in pairs:
        a, b = row(os.path.join(d, f"ab-A-{w}-t{t}-round{r}.json"), w), row(os.path.join(d, f"ab-B-{w}-t{t}-round{r}.json"), w)
        tr.append(b["trainImagesPerSecond"] / a["trainImagesPerSecond"]); ev.append(b["evalImagesPerSecond"] / a["evalImagesPerSecond"])
        a_tr.append(a["trainImagesPerSecond"]); b_tr.append(b["trainImagesPerSecond"])
        fastest.append(min(a["trainStepSamples"]) / min(b["trainStepSamples"]))
    faster = sum(x > 1 for x in tr)
    print(f"{w}, {t} thread(s), {len(pairs)} pairs: training B ÷ A median {statistics.median(tr):.3f} "
          f"(pairs {min(tr):.2f}–{max(tr):.2f}, B faster in {faster} of {len(tr)}, sign test p = {sign_p(faster, len(tr)):.3f}); "
          f"evaluation median {statistics.median(ev):.3f} ({min(ev):.2f}–{max(ev):.2f}); "
          f"training img/s medians A {statistics.median(a_tr):.1f}, B {statistics.median(b_tr):.1f}; "
          f"fastest step A ÷ B median {statistics.median(fastest):.3f} ({min(fastest):.2f}–{max(fastest):.2f}, "
          f"B faster in {sum(x > 1 for x in fastest)} of {len(fastest)})")
