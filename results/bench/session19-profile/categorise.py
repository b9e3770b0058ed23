#!/usr/bin/env python3
"""Groups `perf report --no-children --sort symbol -g none` lines (w16.txt, w64.txt, mlp.txt here)
into the categories of results/bench/README.md and prints a Markdown table (shares of all samples
listed; the files keep the top 60 symbols, the rest is counted as 'not listed')."""
import re, sys, os
d = os.path.dirname(os.path.abspath(__file__))
cats = [
    ("GEMM compute (OpenBLAS kernels)", lambda s: re.search(r"sgemm_(small_)?kernel|sgemm_(nn|nt|tn|tt)$|sgemm_beta", s)),
    ("GEMM packing (OpenBLAS copy)", lambda s: re.search(r"sgemm_(it|in|ot|on)copy", s)),
    ("Winograd input transform", lambda s: "transformInput_" in s and "Gradient" not in s),
    ("Winograd output / gradient transforms", lambda s: re.search(r"transform(Output|InputGradient|OutputGradient)", s)),
    ("Winograd bodies (forward/backward, lane sums)", lambda s: re.search(r"Winograd.*(forward|backward|laneSum|inputGradient|weightGradient)", s) and "transform" not in s),
    ("Winograd weight transforms", lambda s: re.search(r"transformWeight", s)),
    ("im2col / col2im", lambda s: re.search(r"Im2Col", s)),
    ("BatchNorm (fused kernels)", lambda s: "Normalization" in s),
    ("elementwise, pooling, loss, optimiser", lambda s: re.search(r"Elementwise|Pooling|SoftmaxCrossEntropy|SGD|Reduce|OutputEpilogue", s)),
    ("thread pool (round-trip probe, waits)", lambda s: re.search(r"WorkerPool|Parallel", s)),
    ("memset / memcpy", lambda s: re.search(r"mem(set|move|cpy)", s)),
    ("kernel (scheduler, page faults)", lambda s: s.startswith("[k]")),
]
def load(name):
    rows = []
    for line in open(os.path.join(d, name)):
        m = re.match(r"\s*([\d.]+)%\s+(\[.\])\s+(.*\S)", line)
        if m: rows.append((float(m.group(1)), m.group(2) + " " + m.group(3)))
    return rows
files = [("resnet18 w16", "w16.txt"), ("resnet18 w64", "w64.txt"), ("mlp", "mlp.txt")]
table = {}
for label, f in files:
    rows = load(f); acc = {c: 0.0 for c, _ in cats}; acc["other (listed)"] = 0.0
    for pct, sym in rows:
        body = sym[4:]
        for c, test in cats:
            if (c.startswith("kernel") and test(sym)) or (not c.startswith("kernel") and not sym.startswith("[k]") and test(body)):
                acc[c] += pct; break
        else:
            acc["other (listed)"] += pct
    acc["not listed (below the top 60)"] = max(0.0, 100 - sum(p for p, _ in rows))
    table[label] = acc
keys = [c for c, _ in cats] + ["other (listed)", "not listed (below the top 60)"]
print("| where | " + " | ".join(l for l, _ in files) + " |")
print("|---|" + "---:|" * len(files))
for k in keys:
    print(f"| {k} | " + " | ".join(f"{table[l][k]:.1f} %" for l, _ in files) + " |")
