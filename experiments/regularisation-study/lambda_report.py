#!/usr/bin/env python3
"""Issue 15 item 5's view of the λ sweep (study M, `mnist-lambda.json`): final test accuracy against λ
with the paired intervals against `dropconnect` and against `saliency` (read from the comparison's
own `paired.csv`), and the importance entropy against λ (from every run's `importance.csv`).
Writes LAMBDA.md and lambda.svg into the comparison folder. Standard library only.

Usage: python3 experiments/regularisation-study/lambda_report.py results/compare-study-mnist-lambda
"""
import math
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import report_input  # noqa: E402  (experiments/report_input.py)
from report_input import ReportInputError  # noqa: E402


FINAL = "final test acc"
EXPECTED = "a `masklab compare` folder of the λ sweep (runs/lambda-*/seed-*/importance.csv, paired.csv, summary.csv)"


def arm_lambda(arm):
    return float(arm.split("-", 1)[1]) if arm.startswith("lambda-") else None


def main(root):
    report_input.folder(root, EXPECTED)
    runs = report_input.folder(os.path.join(root, "runs"), EXPECTED)
    try:
        arms = sorted((a for a in os.listdir(runs) if a.startswith("lambda-")), key=arm_lambda)
    except ValueError:
        raise ReportInputError(f"{runs}: an arm named lambda-<number> is expected, found "
                               f"{', '.join(a for a in sorted(os.listdir(runs)) if a.startswith('lambda-'))}") from None
    if not arms:
        raise ReportInputError(f"{runs}: no arm named lambda-<number>; expected {EXPECTED}")
    paired = report_input.read_csv(os.path.join(root, "paired.csv"), "the comparison's paired differences",
                                   ("endpoint", "first", "second", "mean_difference", "ci95_low", "ci95_high", "verdict", "n"))
    # summary.csv: one row per arm and metric (mean, sd, 95% half-width over seeds).
    summary = {(r.text("arm"), r.text("metric")): r for r in report_input.read_csv(
        os.path.join(root, "summary.csv"), "the comparison's per-arm summary", ("arm", "metric", "mean", "ci95_halfwidth"))}

    def contrast(first, second, endpoint="testAccuracy @ final"):
        for r in paired:
            if r["endpoint"] == endpoint and {r["first"], r["second"]} == {first, second}:
                sign = 1 if r["first"] == first else -1
                lo, hi = r.number("ci95_low") * sign, r.number("ci95_high") * sign
                return r.number("mean_difference") * sign, min(lo, hi), max(lo, hi), r["verdict"], r.integer("n")
        return None

    # Entropy of π = w/n per tensor, normalised by log n (1 = uniform), at the first and last refresh, mean over seeds.
    def entropy(arm):
        first, last = {}, {}
        if not os.path.isdir(os.path.join(root, "runs", arm)):   # an arm the sweep did not run: its row shows "—"
            return {}
        for seed in sorted(os.listdir(os.path.join(root, "runs", arm))):
            path = os.path.join(root, "runs", arm, seed, "importance.csv")
            if not os.path.exists(path):
                continue
            rows = report_input.read_csv(path, "a run's importance.csv (one row per refresh and tensor)",
                                         ("refresh", "tensor", "entropy", "entries"))
            if not rows:
                raise ReportInputError(f"{path}: only a header; expected one row per refresh and tensor")
            refreshes = sorted({r.integer("refresh") for r in rows})
            for r in rows:
                entries = r.integer("entries")
                if entries < 2:
                    raise ReportInputError(f"{path}, line {r.line}, column 'entries': {entries}; a tensor has at least 2 entries")
                h = r.number("entropy") / math.log(entries)
                if r.integer("refresh") == refreshes[0]:
                    first.setdefault(r["tensor"], []).append(h)
                if r.integer("refresh") == refreshes[-1]:
                    last.setdefault(r["tensor"], []).append(h)
        return {t: (statistics.mean(first[t]), statistics.mean(last[t]), len(last[t])) for t in sorted(last)}

    lines = ["# The λ continuum (study M's sweep): accuracy and importance entropy against λ", "",
             f"Written by `experiments/regularisation-study/lambda_report.py {root}` from the comparison's `paired.csv` and",
             "every run's `importance.csv` (no new runs). LeNet-300-100 on MNIST, 20 000 training images, 5 epochs,",
             "5 seeds; importance refreshed every epoch (5 refreshes). Δ in points of final test accuracy, paired by",
             "seed, mean [95% t interval], unadjusted (exploratory except the protocol's primary contrasts: λ = 0",
             "and λ = 1 against dropconnect, λ = 0 against saliency). Entropy H(w/n) divided by log n: 1 is uniform (DropConnect), lower is more concentrated.", "",
             "| arm | λ | final test acc | Δ vs dropconnect | Δ vs saliency | H/log n fc1 (first → last refresh) | H/log n fc2 (first → last) |",
             "|---|---|---|---|---|---|---|"]
    points = []
    for arm in ["saliency"] + arms + ["dropconnect"]:
        lam = {"saliency": "0 steps", "dropconnect": "∞"}[arm] if arm_lambda(arm) is None else f"{arm_lambda(arm):g}"
        row = summary.get((arm, FINAL))
        acc = f"{row.number('mean'):.4f} ± {row.number('ci95_halfwidth'):.4f}" if row else None
        vd = contrast(arm, "dropconnect") if arm != "dropconnect" else None
        vs = contrast(arm, "saliency") if arm != "saliency" else None
        fmt = lambda c: f"{100 * c[0]:+.2f} [{100 * c[1]:+.2f}, {100 * c[2]:+.2f}]" if c else "—"
        ent = entropy(arm) if arm != "dropconnect" else {}
        e = lambda t: f"{ent[t][0]:.3f} → {ent[t][1]:.3f}" if t in ent else ("1 (uniform)" if arm == "dropconnect" else "—")
        lines.append(f"| {arm} | {lam} | {acc if acc is not None else '(summary.csv)'} | {fmt(vd)} | {fmt(vs)} | {e('fc1.weight')} | {e('fc2.weight')} |")
        if arm.startswith("lambda-"):
            points.append((arm_lambda(arm), vd, vs, ent))
    with open(os.path.join(root, "LAMBDA.md"), "w") as f:
        f.write("\n".join(lines) + "\n\n![accuracy and entropy against λ](lambda.svg)\n")
    with open(os.path.join(root, "lambda.svg"), "w") as f:
        f.write(svg(points))
    print("\n".join(lines))


def svg(points):
    """Two panels over λ (log axis, λ = 0 drawn at the left edge): paired Δ final accuracy (points)
    against dropconnect and against saliency with 95% intervals, and H/log n of fc1 and fc2 at the last refresh."""
    w, h, left, right, top, panel, gap = 760, 560, 70, 170, 40, 200, 70
    xs = [p[0] for p in points]
    positive = [x for x in xs if x > 0]
    lo, hi = math.log10(min(positive)) - 1, math.log10(max(positive)) + 0.3
    def px(lam):
        v = lo if lam == 0 else math.log10(lam)
        return left + (v - lo) / (hi - lo) * (w - left - right)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">',
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="10" y="22" font-size="14">Study M λ sweep: paired Δ final test accuracy and importance entropy against λ</text>']
    def panel_frame(y0, ymin, ymax, label, ticks):
        def py(v):
            return y0 + (1 - (v - ymin) / (ymax - ymin)) * panel
        out.append(f'<rect x="{left}" y="{y0}" width="{w - left - right}" height="{panel}" fill="none" stroke="#333"/>')
        for t in ticks:
            out.append(f'<line x1="{left}" x2="{w - right}" y1="{py(t):.1f}" y2="{py(t):.1f}" stroke="#eee"/>')
            out.append(f'<text x="{left - 6}" y="{py(t) + 4:.1f}" text-anchor="end">{t:g}</text>')
        out.append(f'<text transform="translate(16 {y0 + panel / 2}) rotate(-90)" text-anchor="middle">{label}</text>')
        for lam in xs:
            out.append(f'<text x="{px(lam):.1f}" y="{y0 + panel + 16}" text-anchor="middle">{"0" if lam == 0 else f"{lam:g}"}</text>')
        return py
    # Panel 1: Δ accuracy in points.
    vals = [v for p in points for c in (p[1], p[2]) if c for v in (100 * c[1], 100 * c[2])] + [0]
    ymin, ymax = min(vals) - 0.1, max(vals) + 0.1
    py = panel_frame(top, ymin, ymax, "Δ final test acc (points)", [t / 2 for t in range(math.ceil(ymin * 2), math.floor(ymax * 2) + 1)])
    out.append(f'<line x1="{left}" x2="{w - right}" y1="{py(0):.1f}" y2="{py(0):.1f}" stroke="#555" stroke-dasharray="4 3"/>')
    for k, (name, colour, dx) in enumerate([("vs dropconnect", "#1f77b4", -4), ("vs saliency", "#d62728", 4)]):
        prev = None
        for lam, vd, vs, _ in points:
            c = vd if k == 0 else vs
            if not c:
                continue
            x = px(lam) + dx
            out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{py(100 * c[1]):.1f}" y2="{py(100 * c[2]):.1f}" stroke="{colour}" stroke-width="2"/>')
            out.append(f'<circle cx="{x:.1f}" cy="{py(100 * c[0]):.1f}" r="4" fill="{colour}"/>')
            if prev:
                out.append(f'<line x1="{prev[0]:.1f}" x2="{x:.1f}" y1="{prev[1]:.1f}" y2="{py(100 * c[0]):.1f}" stroke="{colour}" stroke-opacity="0.5"/>')
            prev = (x, py(100 * c[0]))
        out.append(f'<circle cx="{w - right + 20}" cy="{top + 14 + 18 * k}" r="4" fill="{colour}"/><text x="{w - right + 30}" y="{top + 18 + 18 * k}">{name}</text>')
    # Panel 2: entropy.
    y2 = top + panel + gap
    ents = [p[3][t][1] for p in points for t in p[3]]
    emin = max(0.0, min(ents) - 0.02)
    py2 = panel_frame(y2, emin, 1.0, "H(w/n) / log n, last refresh", [round(emin + (1 - emin) * i / 4, 2) for i in range(5)])
    for k, (tensor, colour) in enumerate([("fc1.weight", "#2ca02c"), ("fc2.weight", "#9467bd")]):
        pts = [(px(lam), py2(ent[tensor][1])) for lam, _, _, ent in points if tensor in ent]
        out.append('<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>' % (colour, " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)))
        for x, y in pts:
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"/>')
        out.append(f'<circle cx="{w - right + 20}" cy="{y2 + 14 + 18 * k}" r="4" fill="{colour}"/><text x="{w - right + 30}" y="{y2 + 18 + 18 * k}">{tensor}</text>')
    out.append(f'<text x="{left + (w - left - right) / 2}" y="{h - 10}" text-anchor="middle">λ (log scale; 0 at the left edge)</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    report_input.run(main, __doc__, 1, default=["results/compare-study-mnist-lambda"])
