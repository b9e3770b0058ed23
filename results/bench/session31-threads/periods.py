#!/usr/bin/env python3
"""Issue 14 item 2: per round and workload, the 2-thread run's cache-line round trip (the bench's
own reading before and after the workload), its training and evaluation img/s over the 1-thread
run's of the same round, and over PyTorch's of the same round (ResNets against the faster of
NCHW and channels_last); then the rows grouped into slow (either reading ≥ 250 ns) and fast.
Usage: python3 periods.py FOLDER   (rounds.sh's files; standard library only)"""
import json, os, re, statistics, sys
d = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
names = {"mlp": ["mlp-lenet300"], "resnet18-w16": ["resnet18-w16", "resnet18-w16-cl"], "resnet18-w64": ["resnet18-w64", "resnet18-w64-cl"]}
def masklab(p): return {x["workload"]: x for x in json.load(open(p))["results"]}
def torch(p):
    out = {}
    for line in open(p):
        f = line.strip().split("\t")
        if len(f) > 2 and "=" in f[2]:
            kv = dict(x.split("=", 1) for x in f[1:] if "=" in x)
            out[f[0]] = (float(kv["img/s"]), float(kv["eval_img/s"]))
    return out
rounds = sorted(int(m.group(1)) for f in os.listdir(d) if (m := re.match(r"masklab-round(\d+)\.json$", f)))
rows = []
print("| round | workload | round trip before/after (ns) | train 2t ÷ 1t | eval 2t ÷ 1t | train ÷ PyTorch | eval ÷ PyTorch |")
print("|---:|---|---|---:|---:|---:|---:|")
for r in rounds:
    two, one = masklab(f"{d}/masklab-round{r}.json"), masklab(f"{d}/masklab-1thread-round{r}.json")
    t = torch(f"{d}/torch-round{r}.txt") if os.path.exists(f"{d}/torch-round{r}.txt") else {}
    for w in names:
        a, b = two[w], one[w]
        rt = a["threading"]["roundTripNanoseconds"]
        tr, ev = a["trainImagesPerSecond"] / b["trainImagesPerSecond"], a["evalImagesPerSecond"] / b["evalImagesPerSecond"]
        pt = [t[n] for n in names[w] if n in t]
        vt = a["trainImagesPerSecond"] / max(x[0] for x in pt) if pt else float("nan")
        ve = a["evalImagesPerSecond"] / max(x[1] for x in pt) if pt else float("nan")
        rows.append((w, max(rt) >= 250, tr, ev, vt, ve))
        print(f"| {r} | {w} | {rt[0]}/{rt[1]} | {tr:.2f} | {ev:.2f} | {vt:.2f} | {ve:.2f} |")
print()
for slow in (True, False):
    for w in names:
        sel = [x for x in rows if x[0] == w and x[1] == slow]
        if not sel: continue
        med = lambda i: statistics.median(x[i] for x in sel)
        print(f"{'slow (≥ 250 ns)' if slow else 'fast (< 250 ns)'}, {w}: {len(sel)} round(s); 2t ÷ 1t training median {med(2):.2f} "
              f"(min {min(x[2] for x in sel):.2f}), eval {med(3):.2f}; ÷ PyTorch training {med(4):.2f} (min {min(x[4] for x in sel):.2f}), eval {med(5):.2f}")
