#!/usr/bin/env python3
"""Per-round table of a rounds13.sh folder: MaskLab 2 threads, 1 thread, their ratio, PyTorch's
faster layout on 2 threads, and what each MaskLab workload's own probe read at its start.
Usage: per_round.py FOLDER   (standard library only)"""
import json, re, sys
d = sys.argv[1]
print("| round | pingpong before/after (ns) | workload | MaskLab 2 threads img/s | 1 thread | 2 ÷ 1 | PyTorch 2 threads (faster layout) | MaskLab 2t ÷ PyTorch | workload's probe at start (compute speed-up, round trip) |")
print("|---|---|---|---:|---:|---:|---:|---:|---|")
for r in range(1, 6):
    A = {x["workload"]: x for x in json.load(open(f"{d}/masklab-round{r}.json"))["results"]}
    B = {x["workload"]: x for x in json.load(open(f"{d}/masklab-1thread-round{r}.json"))["results"]}
    T = {}
    for l in open(f"{d}/torch-round{r}.txt"):
        f = l.split("\t")
        if len(f) > 2:
            T[f[0]] = float(f[2].split("=")[1])
    pp = open(f"{d}/pingpong-round{r}-before.txt").read().split()[2] + "/" + open(f"{d}/pingpong-round{r}-after.txt").read().split()[2]
    txt = open(f"{d}/masklab-round{r}.txt").read()
    for k, tk in [("mlp", ["mlp-lenet300"]), ("resnet18-w16", ["resnet18-w16", "resnet18-w16-cl"]), ("resnet18-w64", ["resnet18-w64", "resnet18-w64-cl"])]:
        a, b, t = A[k]["trainImagesPerSecond"], B[k]["trainImagesPerSecond"], max(T[x] for x in tk)
        line = [l for l in txt.splitlines() if l.startswith(k + " round trip")][0]
        m = re.search(r"round trip (\d+)/(\d+) ns.*compute speed-up ([\d.]+)×/([\d.]+)×", line)
        print(f"| {r} | {pp} | {k} | {a:.1f} | {b:.1f} | {a/b:.2f} | {t:.1f} | {a/t:.2f} | {m.group(3)}×, {m.group(1)} ns |")
