#!/usr/bin/env python3
"""New (F(4×4) training, 5332831) against old (db6d7db) per round in this folder: training img/s of
each ResNet workload at 2 threads (old-round<r>.json, masklab-round<r>.json) and of ResNet-18 width 64
at 1 thread (old-1thread-round<r>.json, masklab-1thread-round<r>.json), the compute speed-up each
process measured (a value near 1 means the two vCPUs shared a core), and Conv-2/Conv-6 training
img/s (convnets.txt). Usage: python3 ab.py (in this folder; standard library only)."""
import glob, json, re, statistics

def load(path):
    r = json.load(open(path))
    return {x["workload"]: x for x in r["results"]}

def show(label, pairs):
    ratios = []
    for r, o, n in pairs:
        ratios.append(n["img/s"] / o["img/s"])
        print(f"  round {r}: old {o['img/s']:8.1f} (speed-up {o['su']})  new {n['img/s']:8.1f} (speed-up {n['su']})  new/old {ratios[-1]:.3f}")
    print(f"{label}: median new/old {statistics.median(ratios):.3f} over {len(ratios)} rounds\n")

def fields(x):
    img = x["trainImagesPerSecond"]
    su = "/".join(f"{v:.2f}" for v in x["threading"]["computeSpeedup"]) if "threading" in x else "1 thread"
    return {"img/s": img, "su": su}

for workload in ["resnet18-w16", "resnet18-w64"]:
    pairs = []
    for r in range(1, 6):
        o, n = load(f"old-round{r}.json"), load(f"masklab-round{r}.json")
        pairs.append((r, fields(o[workload]), fields(n[workload])))
    show(f"{workload}, 2 threads", pairs)
pairs = []
for r in range(1, 4):
    o, n = load(f"old-1thread-round{r}.json"), load(f"masklab-1thread-round{r}.json")
    pairs.append((r, fields(o["resnet18-w64"]), fields(n["resnet18-w64"])))
show("resnet18-w64, 1 thread", pairs)
runs = {}
for line in open("convnets.txt"):
    m = re.match(r"(\w+) (old|new) round (\d+): (.*)", line.strip())
    if m:
        cols = m.group(4).split(",")
        runs[(m.group(1), m.group(2), int(m.group(3)))] = (float(cols[11]), cols[3], cols[6])
for model in ["conv2", "conv6"]:
    ratios = []
    for r in (1, 2):
        if (model, "old", r) in runs and (model, "new", r) in runs:
            o, n = runs[(model, "old", r)], runs[(model, "new", r)]
            ratios.append(n[0] / o[0])
            print(f"  {model} round {r}: old {o[0]:.1f} img/s (train loss {float(o[1]):.4f}, test acc {o[2]})  new {n[0]:.1f} img/s (train loss {float(n[1]):.4f}, test acc {n[2]})  new/old {ratios[-1]:.3f}")
    if ratios:
        print(f"{model} (Adam, batch 60, 1 thread, 120 iterations): median new/old {statistics.median(ratios):.3f}\n")
