#!/usr/bin/env python3
"""Groups `perf report --no-children --sort symbol -g none` lines into the categories of
results/bench/README.md (session 19's categorise.py plus the fused C kernel's row) and prints a Markdown table.
Usage: bench/perf_categories.py LABEL=FILE ...   (one column per file; standard library only)
Shares of all samples listed; the files keep the top 60 symbols, the rest is counted as 'not listed'.
A label may contain '=' (the file name is after the last one). Since session 26 the profile folders
call this script instead of keeping a copy. Since session 27 the C gathers of im2col/col2im
(gather_planes_*, col2im_plane_*) count as im2col / col2im."""
import re, sys, os
cats = [
    ("Fused Winograd kernel (C, AVX-512)", lambda s: re.search(r"masklab_fused_winograd|FusedWinograd|input_block|output_gradient_block|transpose16", s)),
    ("GEMM compute (OpenBLAS kernels)", lambda s: re.search(r"sgemm_(small_)?kernel|sgemm_(nn|nt|tn|tt)$|sgemm_beta", s)),
    ("GEMM packing (OpenBLAS copy)", lambda s: re.search(r"sgemm_(it|in|ot|on)copy", s)),
    ("Winograd input transform", lambda s: "transformInput_" in s and "Gradient" not in s),
    ("Winograd output / gradient transforms", lambda s: re.search(r"transform(Output|InputGradient|OutputGradient)", s)),
    ("Winograd bodies (forward/backward, lane sums)", lambda s: re.search(r"Winograd.*(forward|backward|laneSum|inputGradient|weightGradient)", s) and "transform" not in s),
    ("Winograd weight transforms", lambda s: re.search(r"transformWeight", s)),
    ("im2col / col2im", lambda s: re.search(r"Im2Col|gather_planes|col2im_plane", s)),
    ("BatchNorm (fused kernels)", lambda s: "Normalization" in s),
    ("elementwise, pooling, loss, optimiser", lambda s: re.search(r"Elementwise|Pooling|SoftmaxCrossEntropy|SGD|Reduce|OutputEpilogue", s)),
    ("thread pool (round-trip probe, waits)", lambda s: re.search(r"WorkerPool|Parallel", s)),
    ("memset / memcpy", lambda s: re.search(r"mem(set|move|cpy)", s)),
    ("kernel (scheduler, page faults)", lambda s: s.startswith("[k]")),
]
def load(name):
    rows = []
    for line in open(name):
        m = re.match(r"\s*([\d.]+)%\s+(\[.\])\s+(.*\S)", line)
        if m: rows.append((float(m.group(1)), m.group(2) + " " + m.group(3)))
    return rows
if len(sys.argv) < 2 or not all("=" in a for a in sys.argv[1:]):
    sys.exit("usage: bench/perf_categories.py LABEL=FILE ...  (files of perf report --no-children --sort symbol -g none --stdio lines)")
files = [tuple(a.rsplit("=", 1)) for a in sys.argv[1:]]
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
