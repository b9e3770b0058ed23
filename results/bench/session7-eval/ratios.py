#!/usr/bin/env python3
"""Tables for README.md from the files of this folder: per round, MaskLab eval img/s (before and
after) over PyTorch's eval img/s of the same round (the faster of NCHW and channels_last for the
ResNets), and the medians over the rounds; training ratios and peak RSS beside them."""
import json, glob, os, statistics, re
here = os.path.dirname(os.path.abspath(__file__))
names = {"mlp": ["mlp-lenet300"], "resnet18-w16": ["resnet18-w16", "resnet18-w16-cl"],
         "resnet18-w64": ["resnet18-w64", "resnet18-w64-cl"]}
def torch_round(r):
    out = {}
    for line in open(f"{here}/torch-round{r}.txt"):
        parts = line.strip().split("\t")
        f = dict(p.split("=", 1) for p in parts[1:] if "=" in p)
        if "eval_img/s" in f: out[parts[0]] = (float(f["img/s"]), float(f["eval_img/s"]))
    return out
def masklab(v, r):
    d = json.load(open(f"{here}/{v}-round{r}.json"))
    return {x["workload"]: x for x in d["results"]}
rounds = sorted(int(re.search(r"round(\d+)", p).group(1)) for p in glob.glob(f"{here}/torch-round*.txt"))
rows = {w: [] for w in names}
for r in rounds:
    t = torch_round(r); b = masklab("before", r); a = masklab("after", r)
    for w, ns in names.items():
        te = max(t[n][1] for n in ns if n in t); tt = max(t[n][0] for n in ns if n in t)
        tev = max((n for n in ns if n in t), key=lambda n: t[n][1])
        rows[w].append(dict(round=r, torch_eval=te, torch_variant=tev, torch_train=tt,
                            before_eval=b[w]["evalImagesPerSecond"], after_eval=a[w]["evalImagesPerSecond"],
                            before_train=b[w]["trainImagesPerSecond"], after_train=a[w]["trainImagesPerSecond"],
                            before_rss=b[w]["peakResidentBytes"], after_rss=a[w]["peakResidentBytes"]))
print("| workload | round | torch eval img/s (layout) | before eval img/s | after eval img/s | before ÷ torch | after ÷ torch | after ÷ before |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for w, rs in rows.items():
    for x in rs:
        print(f"| {w} | {x['round']} | {x['torch_eval']:.1f} ({x['torch_variant']}) | {x['before_eval']:.1f} | {x['after_eval']:.1f} | "
              f"{x['before_eval']/x['torch_eval']:.2f}× | {x['after_eval']/x['torch_eval']:.2f}× | {x['after_eval']/x['before_eval']:.2f}× |")
print()
print("| workload | median before ÷ torch (eval) | median after ÷ torch (eval) | median after ÷ before (eval) | median train ratio before / after (vs torch) | peak RSS before / after |")
print("|---|---:|---:|---:|---:|---:|")
med = statistics.median
for w, rs in rows.items():
    print(f"| {w} | {med([x['before_eval']/x['torch_eval'] for x in rs]):.2f}× | {med([x['after_eval']/x['torch_eval'] for x in rs]):.2f}× | "
          f"{med([x['after_eval']/x['before_eval'] for x in rs]):.2f}× | "
          f"{med([x['before_train']/x['torch_train'] for x in rs]):.2f}× / {med([x['after_train']/x['torch_train'] for x in rs]):.2f}× | "
          f"{max(x['before_rss'] for x in rs)/1e9:.3f} / {max(x['after_rss'] for x in rs)/1e9:.3f} GB |")
