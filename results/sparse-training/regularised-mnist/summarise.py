#!/usr/bin/env python3
"""Table and sparsity-vs-accuracy SVG of the run folders here (standard library only).

Per run: final test accuracy (metrics.csv, last epoch: evaluated after the run's end, i.e. on the
sparse weights), the sparsity of the masked weights at the last epoch's end before the final step
(sparsity.csv stage "epoch") and after it (stage "final"), and the best test accuracy of any epoch.
Runs that differ only in the seed are one row: mean ± sample standard deviation (n seeds).
Usage: python3 summarise.py  (writes table.md and sparsity-accuracy.svg next to it)
"""
import csv, glob, os, re, statistics

HERE = os.path.dirname(os.path.abspath(__file__))


def read(run):
    with open(os.path.join(run, "metrics.csv")) as f:
        metrics = list(csv.DictReader(f))
    with open(os.path.join(run, "sparsity.csv")) as f:
        rows = [r for r in csv.DictReader(f) if r["tensor"] == "all"]
    finals = [r for r in rows if r["stage"] == "final"]
    if not finals:
        return None   # still running
    last_epoch = [r for r in rows if r["stage"] == "epoch"][-1]
    final = finals[-1]
    return {
        "epochs": len(metrics),
        "accuracy": float(metrics[-1]["test_accuracy"]),
        "best": max(float(m["test_accuracy"]) for m in metrics),
        "before": float(last_epoch["sparsity"]),
        "after": float(final["sparsity"]),
        "kept": int(final["kept"]),
        "entries": int(final["entries"]),
    }


def fmt(values, scale=100, digits=2):
    m = statistics.mean(values) * scale
    if len(values) < 2:
        return f"{m:.{digits}f}"
    return f"{m:.{digits}f} ± {statistics.stdev(values) * scale:.{digits}f}"


groups = {}
for run in sorted(glob.glob(os.path.join(HERE, "*-seed*"))):
    if not os.path.exists(os.path.join(run, "sparsity.csv")):
        continue
    name = re.sub(r"-seed\d+$", "", os.path.basename(run))
    r = read(run)
    if r:
        groups.setdefault(name, []).append(r)

lines = ["| setting | seeds | epochs | sparsity before the end step (%) | sparsity after (%) | weights kept (of 266 200) | final test accuracy (%) | best epoch's test accuracy (%) |",
         "|---|---|---|---|---|---|---|---|"]
for name, runs in groups.items():
    lines.append(f"| `{name}` | {len(runs)} | {runs[0]['epochs']} | {fmt([r['before'] for r in runs])} | {fmt([r['after'] for r in runs])} | "
                 f"{fmt([r['kept'] for r in runs], scale=1, digits=0)} | {fmt([r['accuracy'] for r in runs])} | {fmt([r['best'] for r in runs])} |")
with open(os.path.join(HERE, "table.md"), "w") as f:
    f.write("\n".join(lines) + "\n")
print("\n".join(lines))

# Sparsity (after the end step) against final test accuracy, one dot per run.
W, H, L, B, T, R = 640, 420, 70, 50, 40, 170
colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]
points = [(name, r) for name, runs in groups.items() for r in runs]
xs = [r["after"] * 100 for _, r in points]
ys = [r["accuracy"] * 100 for _, r in points]
x0, x1 = 0, 100
y0, y1 = min(ys) - 1, min(100, max(ys) + 0.5)
px = lambda x: L + (x - x0) / (x1 - x0) * (W - L - R)
py = lambda y: H - B - (y - y0) / (y1 - y0) * (H - B - T)
svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
       f'<rect width="{W}" height="{H}" fill="white"/>',
       f'<text x="{L}" y="22" font-size="14">LeNet-300-100 / MNIST: sparsity learned by regularisation (one dot per seed)</text>',
       f'<line x1="{L}" y1="{H - B}" x2="{W - R}" y2="{H - B}" stroke="black"/>',
       f'<line x1="{L}" y1="{T}" x2="{L}" y2="{H - B}" stroke="black"/>',
       f'<text x="{(L + W - R) / 2}" y="{H - 12}" text-anchor="middle">sparsity of the masked weights after the run (%)</text>',
       f'<text x="16" y="{(T + H - B) / 2}" transform="rotate(-90 16 {(T + H - B) / 2})" text-anchor="middle">final test accuracy (%)</text>']
for x in range(0, 101, 20):
    svg.append(f'<line x1="{px(x)}" y1="{H - B}" x2="{px(x)}" y2="{H - B + 5}" stroke="black"/><text x="{px(x)}" y="{H - B + 18}" text-anchor="middle">{x}</text>')
step = 10 if y1 - y0 > 30 else 2 if y1 - y0 > 8 else 1 if y1 - y0 > 3 else 0.5
y = (int(y0 / step) + 1) * step
while y <= y1:
    svg.append(f'<line x1="{L - 5}" y1="{py(y)}" x2="{L}" y2="{py(y)}" stroke="black"/><text x="{L - 8}" y="{py(y) + 4}" text-anchor="end">{y:g}</text>')
    svg.append(f'<line x1="{L}" y1="{py(y)}" x2="{W - R}" y2="{py(y)}" stroke="#eee"/>')
    y += step
for k, name in enumerate(groups):
    c = colours[k % len(colours)]
    for r in groups[name]:
        svg.append(f'<circle cx="{px(r["after"] * 100):.1f}" cy="{py(r["accuracy"] * 100):.1f}" r="4.5" fill="{c}" fill-opacity="0.8"/>')
    svg.append(f'<circle cx="{W - R + 14}" cy="{T + 10 + 18 * k}" r="4.5" fill="{c}"/><text x="{W - R + 24}" y="{T + 14 + 18 * k}">{name}</text>')
svg.append("</svg>")
with open(os.path.join(HERE, "sparsity-accuracy.svg"), "w") as f:
    f.write("\n".join(svg) + "\n")
