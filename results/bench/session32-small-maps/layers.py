#!/usr/bin/env python3
"""Session 32: the 3×3 stride-1 convolutions of ResNet-18 width 16 before and after, from two
`bench --workloads resnet18-w16 --steps 16 --threads 1 --layers --json-file F` files.
Usage: python3 layers.py BEFORE.json AFTER.json"""
import json, sys

def load(path):
    layers = json.load(open(path))["results"][0]["layers"]
    return {e["name"]: e for e in layers["entries"]}, layers["stepSeconds"] * 1e3

(before, step_a), (after, step_b) = load(sys.argv[1]), load(sys.argv[2])
print("| layer | lowering before → after | forward ms | backward ms |")
print("|---|---|---:|---:|")
tot = [0.0, 0.0, 0.0, 0.0]
for name, a in before.items():
    b = after[name]
    if "3×3/1" not in a["kind"] or "Conv2d" not in a["kind"]:
        continue
    fa, ba = a["forwardNanoseconds"] / a["forwardCalls"] / 1e6, a["backwardNanoseconds"] / a["backwardCalls"] / 1e6
    fb, bb = b["forwardNanoseconds"] / b["forwardCalls"] / 1e6, b["backwardNanoseconds"] / b["backwardCalls"] / 1e6
    tot = [tot[0] + fa, tot[1] + ba, tot[2] + fb, tot[3] + bb]
    print(f"| {name} | {a['group'].split()[-1]} → {b['group'].split()[-1]} | {fa:.2f} → {fb:.2f} | {ba:.2f} → {bb:.2f} |")
print(f"| **all 3×3 stride-1** | | {tot[0]:.1f} → {tot[2]:.1f} | {tot[1]:.1f} → {tot[3]:.1f} |")
print(f"\nlayer-timed step: {step_a:.1f} → {step_b:.1f} ms")
