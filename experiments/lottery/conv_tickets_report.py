#!/usr/bin/env python3
"""Report of the Conv-2/4/6 tickets on CIFAR-10 (issue 16 items 3 and 4, issue 21 item 4), over the
runs of conv-tickets-cifar10.sh. Written before the runs, with the endpoints of
conv-tickets-cifar10.md; descriptive (2 seeds give no usable test).

ROOT holds one `masklab lottery` folder per setting and seed: conv2-s<seed>, conv4-s<seed>,
conv6-s<seed> (layerwise magnitude IMP with the reinit and random branches), conv6-global-s<seed>
(global magnitude ranking, tickets only) and conv2-dropout0.5-s<seed> (dropout 0.5 on fc1/fc2,
tickets only). From each folder's levels.csv (one row per level and arm: ticket, reinit,
random) and level_NN/sparsity.csv it writes ROOT/REPORT.md with:

1. Item 3, per model and level: the early-stopping test accuracy (test accuracy at the iteration
   of minimum validation loss) and that iteration for the ticket and both controls, the final
   test accuracy, and the ticket's paired differences (same seed) against each control.
2. Item 4: Conv-6 global against layerwise tickets at each level, and the per-layer density of the
   level-4 masks.
3. Issue 21 item 4: Conv-2 tickets with and without dropout: each level's gain over the dense
   network of its own chain (level 0, same seed) in early-stopping test accuracy, and the
   early-stopping iteration.
4. Provenance: the commits of the binaries that trained the levels, and the machines
   (provenance.py, from every level's and branch's command.txt).

Curves per setting (mean and 95% interval over seeds per level) are drawn by
`masklab lottery-report curve` (MASKLAB, default .build/release/masklab) into
ROOT/curves/<setting>/ and linked from the report.

Usage: conv_tickets_report.py [ROOT] [--no-curves]   (default results/lottery/conv-cifar10;
standard library only)
"""
import csv
import math
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import provenance  # noqa: E402  (this folder's helper)
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import report_input  # noqa: E402  (experiments/report_input.py)

T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262}
SETTINGS = ["conv2", "conv4", "conv6", "conv6-global", "conv2-dropout0.5"]
ARMS = ["ticket", "reinit", "random"]
BUDGET = ("Budget (scaled, conv-tickets-cifar10.md): Adam, batch 60, constant rate, no augmentation, "
          "**1 000 iterations per training** (the paper: 20 000–30 000), 4 levels of 20% of every hidden "
          "layer and 10% of the output layer, reset to θ0, 5 000 validation images, evaluation every 125 "
          "iterations on the full 10 000-image test set; seeds 1 and 2.")


def mean_ci(values):
    """Mean and 95% t half-width (NaN for one value)."""
    m = sum(values) / len(values)
    if len(values) < 2:
        return m, float("nan")
    sd = math.sqrt(sum((v - m) ** 2 for v in values) / (len(values) - 1))
    return m, T975.get(len(values) - 1, 1.96) * sd / math.sqrt(len(values))


def pct(x):
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.2f}"


def cell(values, scale=100.0, digits=2):
    """'mean (v1, v2)' of a per-seed list in points (or raw with scale 1)."""
    if not values:
        return "–"
    m, _ = mean_ci(values)
    each = ", ".join(f"{scale * v:.{digits}f}" for v in values)
    return f"{scale * m:.{digits}f} ({each})" if len(values) > 1 else f"{scale * m:.{digits}f}"


def read_levels(folder):
    """{(level, arm): row} of a lottery folder's levels.csv (empty when absent)."""
    path = os.path.join(folder, "levels.csv")
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return {(int(r["level"]), r["arm"]): r for r in csv.DictReader(f)}


def read_density(folder, level):
    """{tensor: density} of a level's mask (sparsity.csv), without the 'all' row."""
    path = os.path.join(folder, f"level_{level:02d}", "sparsity.csv")
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return {r["tensor"]: float(r["density"]) for r in csv.DictReader(f) if r["tensor"] != "all"}


def discover(root):
    """{setting: {seed: folder}} of the lottery folders under ROOT."""
    found = {}
    for name in sorted(os.listdir(root)):
        m = re.fullmatch(r"(.+)-s(\d+)", name)
        path = os.path.join(root, name)
        if m and m.group(1) in SETTINGS and os.path.isdir(path):
            found.setdefault(m.group(1), {})[int(m.group(2))] = path
    return found


def values(runs, level, arm, key):
    """Per-seed values of one levels.csv column (seeds that have the row, in seed order)."""
    out = []
    for seed in sorted(runs):
        row = runs[seed].get((level, arm))
        if row is not None and row.get(key) not in (None, ""):
            out.append(float(row[key]))
    return out


def paired(runs, level, a, b, key):
    """Per-seed differences a − b at one level (seeds that have both)."""
    out = []
    for seed in sorted(runs):
        ra, rb = runs[seed].get((level, a)), runs[seed].get((level, b))
        if ra is not None and rb is not None:
            out.append(float(ra[key]) - float(rb[key]))
    return out


def levels_of(runs):
    return sorted({level for r in runs.values() for (level, _) in r})


def remaining(runs, level):
    v = values(runs, level, "ticket", "remaining_percent")
    return f"{sum(v) / len(v):.1f}%" if v else "–"


def item3(lines, found, levels):
    lines += ["## Item 3: Conv-2/4/6 tickets against random re-initialisation and random pruning", "",
              "Early-stopping test accuracy in % (mean over seeds, then each seed) and its iteration; "
              "`ticket − control` are paired differences in points (same seed, same level). Level 0 is "
              "the dense network (no controls).", ""]
    for model in ["conv2", "conv4", "conv6"]:
        runs = levels.get(model)
        if not runs:
            lines += [f"**{model}:** not run yet.", ""]
            continue
        seeds = ", ".join(str(s) for s in sorted(found[model]))
        lines += [f"### {model} (seeds {seeds})", "",
                  "| level | weights left | ticket acc | reinit acc | random acc | ticket − reinit | ticket − random | ticket iteration | reinit iteration | random iteration | ticket final acc |",
                  "|---:|---:|---|---|---|---|---|---|---|---|---|"]
        for level in levels_of(runs):
            acc = {a: values(runs, level, a, "early_stop_test_accuracy") for a in ARMS}
            it = {a: values(runs, level, a, "early_stop_iteration") for a in ARMS}
            lines.append(f"| {level} | {remaining(runs, level)} | {cell(acc['ticket'])} | {cell(acc['reinit'])} | {cell(acc['random'])} | "
                         f"{cell(paired(runs, level, 'ticket', 'reinit', 'early_stop_test_accuracy'))} | "
                         f"{cell(paired(runs, level, 'ticket', 'random', 'early_stop_test_accuracy'))} | "
                         f"{cell(it['ticket'], 1, 0)} | {cell(it['reinit'], 1, 0)} | {cell(it['random'], 1, 0)} | "
                         f"{cell(values(runs, level, 'ticket', 'final_test_accuracy'))} |")
        lines.append("")


def item4(lines, found, levels):
    lines += ["## Item 4: global against layerwise magnitude pruning (Conv-6)", ""]
    glob, layer = levels.get("conv6-global"), levels.get("conv6")
    if not glob or not layer:
        lines += ["Not run yet (needs `conv6-global-s*` and `conv6-s*`).", ""]
        return
    lines += ["Tickets only; `global − layerwise` is paired by seed (the same θ0 and data order).", "",
              "| level | left (global) | left (layerwise) | global acc | layerwise acc | global − layerwise | global iteration | layerwise iteration |",
              "|---:|---:|---:|---|---|---|---|---|"]
    for level in levels_of(glob):
        diff = []
        for seed in sorted(glob):
            g, l = glob[seed].get((level, "ticket")), layer.get(seed, {}).get((level, "ticket"))
            if g is not None and l is not None:
                diff.append(float(g["early_stop_test_accuracy"]) - float(l["early_stop_test_accuracy"]))
        lines.append(f"| {level} | {remaining(glob, level)} | {remaining(layer, level)} | "
                     f"{cell(values(glob, level, 'ticket', 'early_stop_test_accuracy'))} | "
                     f"{cell(values(layer, level, 'ticket', 'early_stop_test_accuracy'))} | {cell(diff)} | "
                     f"{cell(values(glob, level, 'ticket', 'early_stop_iteration'), 1, 0)} | "
                     f"{cell(values(layer, level, 'ticket', 'early_stop_iteration'), 1, 0)} |")
    last = max(levels_of(glob))
    densities = {}
    for kind, folders in [("global", found.get("conv6-global", {})), ("layerwise", found.get("conv6", {}))]:
        for seed, folder in sorted(folders.items()):
            for tensor, d in read_density(folder, last).items():
                densities.setdefault(tensor, {}).setdefault(kind, []).append(d)
    if densities:
        lines += ["", f"Per-layer density of the level-{last} masks (share of weights kept; mean over seeds):", "",
                  "| tensor | global | layerwise |", "|---|---:|---:|"]
        for tensor in densities:
            g, l = densities[tensor].get("global", []), densities[tensor].get("layerwise", [])
            lines.append(f"| `{tensor}` | {cell(g, 1, 3) if g else '–'} | {cell(l, 1, 3) if l else '–'} |")
    lines.append("")


def dropout(lines, found, levels):
    lines += ["## Issue 21 item 4: dropout and tickets (Conv-2)", ""]
    with_d, without = levels.get("conv2-dropout0.5"), levels.get("conv2")
    if not with_d or not without:
        lines += ["Not run yet (needs `conv2-dropout0.5-s*` and `conv2-s*`).", ""]
        return
    lines += ["Gain of each level's ticket over the dense network of its own chain (level 0, same seed), "
              "in points of early-stopping test accuracy; and the early-stopping iteration. Frankle & Carbin "
              "§4.1: with dropout the tickets gain more over the dense net, and stop later.", "",
              f"Dense networks (level 0), early-stopping test accuracy: {cell(values(with_d, 0, 'ticket', 'early_stop_test_accuracy'))} % "
              f"with dropout 0.5, {cell(values(without, 0, 'ticket', 'early_stop_test_accuracy'))} % without.", "",
              "| level | left | gain, dropout 0.5 | gain, no dropout | iteration, dropout 0.5 | iteration, no dropout |",
              "|---:|---:|---|---|---|---|"]
    def gains(runs, level):
        out = []
        for seed in sorted(runs):
            t, d = runs[seed].get((level, "ticket")), runs[seed].get((0, "ticket"))
            if t is not None and d is not None:
                out.append(float(t["early_stop_test_accuracy"]) - float(d["early_stop_test_accuracy"]))
        return out
    for level in levels_of(with_d):
        lines.append(f"| {level} | {remaining(with_d, level)} | {cell(gains(with_d, level))} | {cell(gains(without, level))} | "
                     f"{cell(values(with_d, level, 'ticket', 'early_stop_iteration'), 1, 0)} | "
                     f"{cell(values(without, level, 'ticket', 'early_stop_iteration'), 1, 0)} |")
    lines.append("")


def curves(root, found, lines):
    """One `masklab lottery-report curve` per setting, over symlinks to its seeds' folders."""
    masklab = os.environ.get("MASKLAB", ".build/release/masklab")
    lines += ["## Curves (mean and 95% interval over seeds per level)", ""]
    for setting in SETTINGS:
        if setting not in found:
            continue
        # Chains still running have no levels.csv yet (it is written when the chain ends).
        finished = {seed: folder for seed, folder in found[setting].items() if os.path.exists(os.path.join(folder, "levels.csv"))}
        if not finished:
            lines.append(f"- `{setting}`: no seed finished yet")
            continue
        out = os.path.join(root, "curves", setting)
        os.makedirs(out, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            for seed, folder in finished.items():
                os.symlink(os.path.abspath(folder), os.path.join(tmp, f"seed{seed}"))
            title = f"{setting} on CIFAR-10 ({len(finished)} seed{'s' if len(finished) > 1 else ''}, 1 000 iterations per level)"
            done = subprocess.run([masklab, "lottery-report", "curve", tmp, "--out", out, "--title", title],
                                  capture_output=True, text=True)
        if done.returncode == 0:
            lines.append(f"- `{setting}`: [curve.svg](curves/{setting}/curve.svg), [curve.csv](curves/{setting}/curve.csv)")
        else:
            lines.append(f"- `{setting}`: no curve ({done.stderr.strip().splitlines()[-1] if done.stderr.strip() else 'lottery-report failed'})")
    lines.append("")


def main(root, draw):
    report_input.folder(root, "a folder of conv-tickets-cifar10.sh's lottery folders (conv2-s<seed>, …)")
    found = discover(root)
    if not any(found.get(s) for s in SETTINGS):
        raise report_input.ReportInputError(f"{root}: no lottery folder {', '.join(f'{s}-s<seed>' for s in SETTINGS)}; "
                                            "expected the folder conv-tickets-cifar10.sh writes (results/lottery/conv-cifar10)")
    levels = {s: {seed: read_levels(folder) for seed, folder in seeds.items()} for s, seeds in found.items()}
    levels = {s: {seed: rows for seed, rows in runs.items() if rows} for s, runs in levels.items()}
    levels = {s: runs for s, runs in levels.items() if runs}
    lines = ["# Conv-2/4/6 lottery tickets on CIFAR-10 (issue 16 items 3–4, issue 21 item 4)", "",
             f"Written by `python3 experiments/lottery/conv_tickets_report.py {root}` from the lottery folders beside it. "
             "Plan, written before the runs: [`experiments/lottery/conv-tickets-cifar10.md`](../../../experiments/lottery/conv-tickets-cifar10.md).", "",
             BUDGET, "",
             "With 2 seeds the numbers are descriptive: differences below ≈ 1–2 points are within the seed-to-seed "
             "spread of earlier CIFAR-10 lottery runs. Folders: " +
             (", ".join(f"`{os.path.basename(f)}`" for s in SETTINGS for f in found.get(s, {}).values()) or "none yet") + ".", ""]
    item3(lines, found, levels)
    item4(lines, found, levels)
    dropout(lines, found, levels)
    lines += ["## Provenance", ""] + provenance.summary([f for s in SETTINGS for f in found.get(s, {}).values()], root)
    if draw:
        curves(root, found, lines)
    with open(os.path.join(root, "REPORT.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {os.path.join(root, 'REPORT.md')} ({sum(len(r) for r in levels.values())} lottery folders with results)")


if __name__ == "__main__":
    report_input.exit_on_help(__doc__)
    args = [a for a in sys.argv[1:] if a != "--no-curves"]
    if len(args) > 1:
        print(__doc__.strip(), file=sys.stderr)
        sys.exit(2)
    report_input.call(main, args[0] if args else "results/lottery/conv-cifar10", "--no-curves" not in sys.argv[1:])
