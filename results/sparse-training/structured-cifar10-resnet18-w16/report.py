#!/usr/bin/env python3
"""Structured pruning of ResNet-18 width 16 on CIFAR-10 (issue 18): REPORT.md and
accuracy-speedup.svg of this folder, from the run folders (summary.json), the pruned folders
(structured.json) and the quiet speed measurements in bench/ (`masklab bench --json-file`).

Usage (in this folder): python3 report.py

Accuracy: final test accuracy after the 2 fine-tuning epochs, mean ± 95% t-interval over seeds,
and the paired difference to the control (`dense-0`: the same dense network fine-tuned the same
way). Speed: training and evaluation time saved by the pruned architecture against the dense one
in the same process, per bench round, and the median over rounds.
"""
import glob, json, math, os, statistics

ARMS = ["dense-0", "l1-filter-0.5", "bn-gamma-0.5", "l1-filter-0.75", "bn-gamma-0.75"]
DENSE = "../compare-dst-cifar10-resnet18-w16/runs/dense"
T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262}


def interval(xs):
    m = statistics.mean(xs)
    h = T975[len(xs) - 1] * statistics.stdev(xs) / math.sqrt(len(xs)) if len(xs) > 1 else float("nan")
    return m, h


def accuracies(arm):
    out = {}
    for path in sorted(glob.glob(f"{arm}/seed-*/summary.json")):
        s = json.load(open(path))
        if s.get("status") == "completed":
            out[int(path.split("seed-")[1].split("/")[0])] = 100 * s["finalTestAccuracy"]
    return out


def structured(arm):
    files = sorted(glob.glob(f"{arm}/pruned-seed-*/structured.json"))
    return json.load(open(files[0])) if files else None


def bench_rounds(threads):
    """Per round: {ratio: (train saved, eval saved, unstructured train saved, unstructured eval saved)}."""
    rounds = []
    for path in sorted(glob.glob(f"bench/structured-{threads}thread-round*.json")):
        results = {r["workload"]: r for r in json.load(open(path))["results"]}
        dense = results["resnet18-w16"]
        row = {}
        for name, r in results.items():
            if "/pruned-" in name:
                ratio = name.split("/pruned-")[1]
                masked = results.get(f"resnet18-w16/masked-{ratio}")
                saved = lambda a, key: 100 * (1 - a[key] / dense[key])
                row[ratio] = (saved(r, "trainStepSeconds"), saved(r, "evalStepSeconds"),
                              saved(masked, "trainStepSeconds") if masked else float("nan"),
                              saved(masked, "evalStepSeconds") if masked else float("nan"))
        rounds.append(row)
    return rounds


def svg(points, speed):
    """Test accuracy (y) against the measured training speed-up (x): one marker per seed, the mean
    with its 95% interval, one colour per criterion; the control at speed-up 1."""
    W, H, L, R, T, B = 640, 420, 70, 170, 40, 60
    xs = [1.0] + [v for v in speed.values()]
    ys = [a for _, accs, _ in points for a in accs]
    x0, x1 = 0.9, max(xs) * 1.1
    y0, y1 = math.floor(min(ys) - 1), math.ceil(max(ys) + 1)
    X = lambda x: L + (x - x0) / (x1 - x0) * (W - L - R)
    Y = lambda y: H - B - (y - y0) / (y1 - y0) * (H - T - B)
    colours = {"dense": "#333333", "l1-filter": "#1f77b4", "bn-gamma": "#d62728"}
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{L}" y="22" font-size="14">ResNet-18 w16, CIFAR-10: test accuracy after fine-tuning vs training speed-up</text>']
    for i in range(6):
        y = y0 + i * (y1 - y0) / 5
        out.append(f'<line x1="{L}" x2="{W - R}" y1="{Y(y):.1f}" y2="{Y(y):.1f}" stroke="#dddddd"/>')
        out.append(f'<text x="{L - 8}" y="{Y(y) + 4:.1f}" text-anchor="end">{y:.1f}</text>')
    for x in [1.0 + 0.2 * i for i in range(int((x1 - 1.0) / 0.2) + 1)]:
        out.append(f'<line y1="{T}" y2="{H - B}" x1="{X(x):.1f}" x2="{X(x):.1f}" stroke="#eeeeee"/>')
        out.append(f'<text x="{X(x):.1f}" y="{H - B + 18}" text-anchor="middle">{x:.2f}×</text>')
    out.append(f'<rect x="{L}" y="{T}" width="{W - L - R}" height="{H - T - B}" fill="none" stroke="black"/>')
    out.append(f'<text x="{(L + W - R) / 2}" y="{H - 18}" text-anchor="middle">training speed-up over the dense network (median of the bench rounds, 2 threads)</text>')
    out.append(f'<text x="18" y="{(T + H - B) / 2}" text-anchor="middle" transform="rotate(-90 18 {(T + H - B) / 2})">test accuracy after fine-tuning (%)</text>')
    offsets = {"dense": 0, "l1-filter": -10, "bn-gamma": 10}   # the two criteria share a speed-up
    for arm, accs, x in points:
        family = arm.rsplit("-", 1)[0] if arm != "dense-0" else "dense"
        c, dx = colours[family], offsets[family]
        for a in accs:
            out.append(f'<circle cx="{X(x) + dx - 5:.1f}" cy="{Y(a):.1f}" r="3" fill="{c}" fill-opacity="0.45"/>')
        m, h = interval(accs)
        out.append(f'<line x1="{X(x) + dx + 3:.1f}" x2="{X(x) + dx + 3:.1f}" y1="{Y(m - h):.1f}" y2="{Y(m + h):.1f}" stroke="{c}" stroke-width="2"/>')
        out.append(f'<rect x="{X(x) + dx - 1:.1f}" y="{Y(m) - 4:.1f}" width="8" height="8" fill="{c}"/>')
    legend = [("dense-0 (control)", colours["dense"]), ("l1-filter", colours["l1-filter"]), ("bn-gamma", colours["bn-gamma"])]
    for i, (arm, c) in enumerate(legend):
        y = T + 14 + 18 * i
        out.append(f'<rect x="{W - R + 14}" y="{y - 8}" width="8" height="8" fill="{c}"/><text x="{W - R + 28}" y="{y}">{arm}</text>')
    for k, note in enumerate(["dots: seeds; squares: mean;", "bars: 95% t-interval;", "left group 50%, right 75%", "of the in-block filters removed"]):
        out.append(f'<text x="{W - R + 14}" y="{T + 14 + 18 * len(legend) + 10 + 14 * k}" font-size="10">{note}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    lines = ["# Structured pruning of ResNet-18 width 16 on CIFAR-10: report", "",
             "Written by `report.py` from the run folders and `bench/`; how the runs were made is in",
             "[README.md](README.md).", ""]
    before = {}
    for path in sorted(glob.glob(f"{DENSE}/seed-*/summary.json")):
        before[int(path.split("seed-")[1].split("/")[0])] = 100 * json.load(open(path))["finalTestAccuracy"]
    control = accuracies("dense-0")
    rounds2, rounds1 = bench_rounds(2), bench_rounds(1)
    speed = {}
    lines += ["## Accuracy", "",
              "Test accuracy (full 10 000-image test set, %) after 2 fine-tuning epochs; the dense network before",
              f"fine-tuning (epoch 8 of the DST comparison's `dense` arm): {interval(list(before.values()))[0]:.2f} ± {interval(list(before.values()))[1]:.2f}.",
              "Difference: paired by seed against `dense-0` (same network, same fine-tuning, no channel removed).", "",
              "| arm | seeds | parameters | FLOP reduction | test accuracy (%) | − dense-0 (points, paired) | per seed |",
              "|---|---|---:|---:|---|---|---|"]
    points = []
    for arm in ARMS:
        acc = accuracies(arm)
        if not acc:
            continue
        info = structured(arm)
        params = info["prunedParameters"] if info else None
        flop = 100 * info["flopReduction"] if info else 0.0
        if arm == "dense-0" and info is None:
            params = json.load(open(glob.glob(f"l1-filter-0.5/pruned-seed-*/structured.json")[0]))["denseParameters"]
        m, h = interval(list(acc.values()))
        common = sorted(set(acc) & set(control))
        diff = "—"
        if arm != "dense-0" and len(common) > 1:
            dm, dh = interval([acc[s] - control[s] for s in common])
            diff = f"{dm:+.2f} [{dm - dh:+.2f}, {dm + dh:+.2f}]"
        lines.append(f"| {arm} | {len(acc)} | {params:,} | {flop:.1f}% | {m:.2f} ± {h:.2f} | {diff} | "
                     + ", ".join(f"{acc[s]:.2f}" for s in sorted(acc)) + " |")
        ratio = arm.rsplit("-", 1)[1]
        if arm == "dense-0":
            x = 1.0
        elif rounds2 and ratio in rounds2[0]:
            x = 1 / (1 - statistics.median(r[ratio][0] for r in rounds2) / 100)
        else:
            x = None
        if x is not None:
            points.append((arm, list(acc.values()), x))
            speed[arm] = x
    lines.append("")
    for label, rounds in [("2 threads", rounds2), ("1 thread (as the fine-tuning runs ran: 2 jobs × 1 thread)", rounds1)]:
        if not rounds:
            continue
        lines += [f"## Speed, {label}", "",
                  f"`masklab bench --workloads resnet18-w16 --structured 0.5,0.75`, batch 128, {len(rounds)} rounds; time saved",
                  "against the dense network measured in the same process (share of the FLOP reduction in brackets).", "",
                  "| removed in blocks | FLOP reduction | training time saved | evaluation time saved | unstructured mask: training / evaluation time saved |",
                  "|---|---:|---|---|---|"]
        for ratio in sorted(rounds[0]):
            info = structured(f"l1-filter-{ratio}")
            flop = 100 * info["flopReduction"]
            tr = [r[ratio][0] for r in rounds]
            ev = [r[ratio][1] for r in rounds]
            mt = [r[ratio][2] for r in rounds]
            me = [r[ratio][3] for r in rounds]
            lines.append(f"| {float(ratio):.0%} | {flop:.1f}% | " + " · ".join(f"{t:.1f}" for t in tr)
                         + f"% → **{statistics.median(tr):.1f}%** ({statistics.median(tr) / flop:.0%}) | "
                         + " · ".join(f"{t:.1f}" for t in ev) + f"% → **{statistics.median(ev):.1f}%** ({statistics.median(ev) / flop:.0%}) | "
                         + f"{statistics.median(mt):+.1f}% / {statistics.median(me):+.1f}% |")
        lines.append("")
    if points and rounds2:
        open("accuracy-speedup.svg", "w").write(svg(points, speed))
        lines += ["## Accuracy against speed-up", "", "![accuracy against training speed-up](accuracy-speedup.svg)", ""]
    open("REPORT.md", "w").write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    os.chdir(os.path.dirname(os.path.abspath(__file__)))
    main()
