#!/usr/bin/env python3
"""Medians of per-round MaskLab / PyTorch ratios in a quiet-bench folder such as results/bench/session8 (issue 14).

Reads masklab-round<r>.json (masklab bench --json-file) and torch-round<r>.txt (torch_anchor.py),
pairs them by round, and prints per round and as medians: training img/s ratios (each ResNet against
the faster of PyTorch's NCHW and channels_last), evaluation img/s ratios (against the anchor's
eval_img/s under torch.no_grad()), and the round trips both measured. Also the 1-thread and
--round-trip 0 rounds (masklab-1thread-round<r>.json, masklab-rt0-round<r>.json) against the
default rounds, the rounds with the chunked Winograd kernels (masklab-chunked-round<r>.json,
MASKLAB_FUSED_WINOGRAD=0) against the default, the structured-pruning rounds (structured-round<r>.txt) as printed,
and the narrow layers fused and chunked (conv-1thread-round<r>.json, conv-2threads-round<r>.json: masklab bench --convolutions).
Usage: bench/ratios.py FOLDER   (standard library only)
"""
import json, os, re, statistics, sys

if len(sys.argv) != 2 or not os.path.isdir(sys.argv[1]):
    sys.exit("usage: bench/ratios.py FOLDER  (a quiet-bench folder with masklab-round<r>.json and torch-round<r>.txt)")
d = sys.argv[1]
names = {"mlp": "mlp-lenet300", "resnet18-w16": "resnet18-w16", "resnet18-w64": "resnet18-w64"}


def masklab(path):
    r = json.load(open(path))
    return {x["workload"]: x for x in r["results"]}


def torch(path):
    out = {}
    for line in open(path):
        f = line.strip().split("\t")
        if len(f) > 1 and f[1].startswith("batch="):
            kv = dict(p.split("=", 1) for p in f[1:] if "=" in p)
            out[f[0]] = {"train": float(kv["img/s"]), "eval": float(kv["eval_img/s"])}
    return out


def img(x, key):
    for k in (key, key.replace("_", "")):
        if k in x:
            return x[k]
    raise KeyError(key)


rounds = sorted(int(m.group(1)) for f in os.listdir(d) if (m := re.match(r"masklab-round(\d+)\.json$", f)))
train, evals = {w: [] for w in names}, {w: [] for w in names}
print("| round | pingpong before/after (ns) | " + " | ".join(f"{w} train ×" for w in names) + " | " + " | ".join(f"{w} eval ×" for w in names) + " |")
print("|---|---|" + "---:|" * (2 * len(names)))
for r in rounds:
    m = masklab(os.path.join(d, f"masklab-round{r}.json"))
    t = torch(os.path.join(d, f"torch-round{r}.txt"))
    pp = [open(os.path.join(d, f"pingpong-round{r}-{s}.txt")).read().strip().split()[-2] for s in ("before", "after")]
    tr, ev = [], []
    for w, tn in names.items():
        ref_train = max(t[tn]["train"], t.get(tn + "-cl", t[tn])["train"])
        ref_eval = max(t[tn]["eval"], t.get(tn + "-cl", t[tn])["eval"])
        a, b = m[w]["trainImagesPerSecond"] / ref_train, m[w]["evalImagesPerSecond"] / ref_eval
        train[w].append(a); evals[w].append(b); tr.append(a); ev.append(b)
    print(f"| {r} | {pp[0]}/{pp[1]} | " + " | ".join(f"{x:.2f}" for x in tr) + " | " + " | ".join(f"{x:.2f}" for x in ev) + " |")
print("| **median** | | " + " | ".join(f"**{statistics.median(train[w]):.2f}**" for w in names) + " | "
      + " | ".join(f"**{statistics.median(evals[w]):.2f}**" for w in names) + " |")
for label, pat in (("1 thread", "masklab-1thread-round"), ("--round-trip 0", "masklab-rt0-round"),
                   ("MASKLAB_FUSED_WINOGRAD=0", "masklab-chunked-round")):
    files = sorted(f for f in os.listdir(d) if f.startswith(pat) and f.endswith(".json"))
    if not files:
        continue
    runs = [masklab(os.path.join(d, f)) for f in files]
    default = [masklab(os.path.join(d, f"masklab-round{r}.json")) for r in rounds]
    print(f"\n{label}: median train / eval img/s over {len(runs)} rounds, and the default (2 threads, measured round trip) over {len(default)}:")
    for w in names:
        if not all(w in x for x in runs):
            continue                      # a workload these rounds did not measure
        a = statistics.median(x[w]["trainImagesPerSecond"] for x in runs); b = statistics.median(x[w]["evalImagesPerSecond"] for x in runs)
        c = statistics.median(x[w]["trainImagesPerSecond"] for x in default); e = statistics.median(x[w]["evalImagesPerSecond"] for x in default)
        print(f"  {w}: {label} {a:.1f} / {b:.1f}; default {c:.1f} / {e:.1f}; default ÷ {label} = {c / a:.2f} / {e / b:.2f}")
for label, pat in (("1 thread", "conv-1thread-round"), ("2 threads", "conv-2threads-round")):
    files = sorted(f for f in os.listdir(d) if f.startswith(pat) and f.endswith(".json"))
    if not files:
        continue
    runs = [json.load(open(os.path.join(d, f))) for f in files]
    print(f"\nmasklab bench --convolutions, {label}: medians over {len(runs)} rounds of each round's median ms, and of the per-round gain (chunked ÷ fused):")
    print("| layer | forward fused / chunked ms | gain | dW fused / chunked ms | gain | dW+dx fused / chunked ms | gain |")
    print("|---|---|---:|---|---:|---|---:|")
    for i, row in enumerate(runs[0]):
        rows = [r[i] for r in runs]
        if any(r.get("fused") is None for r in rows):
            continue                      # no fused kernel on this CPU
        lay = row["layer"]
        cells = []
        for k in ("forward", "weightGradient", "backward"):
            f = statistics.median(r["fused"][k] for r in rows); c = statistics.median(r["chunked"][k] for r in rows)
            g = statistics.median(r["chunked"][k] / r["fused"][k] for r in rows)
            cells += [f"{f:.2f} / {c:.2f}", f"{g:.2f}×"]
        print(f"| {lay['channels']}→{lay['outChannels']} {lay['height']}×{lay['width']} | " + " | ".join(cells) + " |")
