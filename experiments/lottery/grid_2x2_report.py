#!/usr/bin/env python3
"""The 2×2 grid's sign (issue 16, item 1): statistics over the chains of grid-2x2.sh.

Reads every finished chain folder ROOT/it<I>/<theta0|reinit-every>-P<P>-n<n>-seed<s>/levels.csv
and takes its level-n rows: theta0's ticket row is the variant "ticket", its reinit row
"reinit-end", reinit-every's ticket row "reinit-every" (for n = 1 the reinit-end row, identical by
construction; a real n = 1 reinit-every chain, when present, is compared with it bit for bit).

Per variant and training length (iterations): the OLS slope of final test accuracy on the final
prune ratio P with a seed-clustered bootstrap 95% interval (whole seeds resampled with
replacement), overall and per number of rounds n; Pearson and Spearman (average ranks) of accuracy
with P and with n; pooling the training lengths (seeds present at every length, cells run at
every length), with the number of training iterations. Writes ROOT/points.csv and ROOT/stats.csv and prints Markdown tables.

Usage: grid_2x2_report.py [ROOT] [--ratios P1,P2,…]   (default results/lottery/grid-2x2; standard
library only). --ratios keeps only those final ratios (files points-P….csv, stats-P….csv).
"""
import csv
import math
import os
import random
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import report_input  # noqa: E402  (experiments/report_input.py)

VARIANTS = ["ticket", "reinit-end", "reinit-every"]
FOLDER = re.compile(r"^(theta0|reinit-every)-P([0-9.]+)-n([0-9]+)-seed([0-9]+)$")
RESAMPLES = 10000
GENERATOR_SEED = 20261129


def read_levels(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def collect(root):
    """Every point: dict(variant, iterations, P, n, seed, acc, es_acc, es_iter, remaining)."""
    points, dense, checks = [], {}, []
    for it_dir in sorted(os.listdir(root)):
        m = re.match(r"^it([0-9]+)$", it_dir)
        if not m:
            continue
        iterations = int(m.group(1))
        base = os.path.join(root, it_dir)
        for name in sorted(os.listdir(base)):
            f = FOLDER.match(name)
            levels = os.path.join(base, name, "levels.csv")
            if not f or not os.path.exists(levels):
                continue
            kind, P, n, seed = f.group(1), float(f.group(2)), int(f.group(3)), int(f.group(4))
            rows = read_levels(levels)
            for r in rows:
                if int(r["level"]) == 0:
                    dense[(iterations, seed)] = float(r["final_test_accuracy"])
                if int(r["level"]) != n:
                    continue
                if kind == "theta0":
                    variant = "ticket" if r["arm"] == "ticket" else "reinit-end" if r["arm"] == "reinit" else None
                else:
                    variant = "reinit-every" if r["arm"] == "ticket" else None
                if variant is None:
                    continue
                point = dict(variant=variant, iterations=iterations, P=P, n=n, seed=seed,
                             acc=float(r["final_test_accuracy"]), es_acc=float(r["early_stop_test_accuracy"]),
                             es_iter=int(r["early_stop_iteration"]), remaining=float(r["remaining_percent"]))
                if variant == "reinit-every" and n == 1:
                    checks.append(point)  # compared with reinit-end below, not used twice
                    continue
                points.append(point)
    # n = 1: re-initialising after every round is re-initialising at the end.
    for p in [p for p in points if p["variant"] == "reinit-end" and p["n"] == 1]:
        points.append(dict(p, variant="reinit-every"))
    identity = []
    for c in checks:
        twin = [p for p in points if p["variant"] == "reinit-end" and p["n"] == 1 and p["iterations"] == c["iterations"]
                and p["P"] == c["P"] and p["seed"] == c["seed"]]
        identity.append((c, twin[0] if twin else None))
    return points, dense, identity


def mean(x):
    return sum(x) / len(x)


def slope(x, y):
    mx, my = mean(x), mean(y)
    sxx = sum((a - mx) ** 2 for a in x)
    return sum((a - mx) * (b - my) for a, b in zip(x, y)) / sxx if sxx > 0 else float("nan")


def pearson(x, y):
    mx, my = mean(x), mean(y)
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    if sxx == 0 or syy == 0:
        return float("nan")
    return sum((a - mx) * (b - my) for a, b in zip(x, y)) / math.sqrt(sxx * syy)


def ranks(x):
    order = sorted(range(len(x)), key=lambda i: x[i])
    r = [0.0] * len(x)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and x[order[j + 1]] == x[order[i]]:
            j += 1
        for k in range(i, j + 1):
            r[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return r


def spearman(x, y):
    return pearson(ranks(x), ranks(y))


def bootstrap_slope(points, key="P"):
    """95% percentile interval of the OLS slope of acc on `key`, resampling whole seeds."""
    by_seed = {}
    for p in points:
        by_seed.setdefault(p["seed"], []).append(p)
    seeds = sorted(by_seed)
    rng = random.Random(GENERATOR_SEED)
    slopes = []
    for _ in range(RESAMPLES):
        sample = [q for s in (rng.choice(seeds) for _ in seeds) for q in by_seed[s]]
        b = slope([q[key] for q in sample], [q["acc"] for q in sample])
        if not math.isnan(b):
            slopes.append(b)
    slopes.sort()
    if not slopes:
        return float("nan"), float("nan")
    return slopes[int(0.025 * (len(slopes) - 1))], slopes[int(math.ceil(0.975 * (len(slopes) - 1)))]


def complete_seeds(points, iterations):
    """Seeds with every (variant, P, n) cell present at `iterations`."""
    cells = {(p["variant"], p["P"], p["n"]) for p in points if p["iterations"] == iterations}
    seeds = sorted({p["seed"] for p in points if p["iterations"] == iterations})
    have = lambda s: {(p["variant"], p["P"], p["n"]) for p in points if p["iterations"] == iterations and p["seed"] == s}
    return [s for s in seeds if have(s) == cells]


def fmt(v, digits=3):
    return "nan" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:+.{digits}f}"


def main():
    report_input.exit_on_help(__doc__)
    args = sys.argv[1:]
    ratios = None
    if "--ratios" in args:
        i = args.index("--ratios")
        try:
            ratios = sorted(float(r) for r in args[i + 1].split(","))
        except (IndexError, ValueError):
            raise report_input.ReportInputError("--ratios takes comma-separated prune ratios, e.g. --ratios 0.2,0.6,0.85") from None
        del args[i:i + 2]
    if len(args) > 1:
        raise report_input.ReportInputError(f"one ROOT folder expected, got {' '.join(args)}")
    root = args[0] if args else "results/lottery/grid-2x2"
    report_input.folder(root, "the folder grid-2x2.sh writes (it<I>/…)")
    points, dense, identity = collect(root)
    suffix = ""
    if ratios is not None:
        points = [p for p in points if p["P"] in ratios]
        suffix = "-P" + "-".join(f"{r:g}" for r in ratios)
        print(f"(only P in {', '.join(f'{r:g}' for r in ratios)})\n")
    if not points:
        raise report_input.ReportInputError(f"{root}: no finished chains (it<I>/<theta0|reinit-every>-P<P>-n<n>-seed<s>/levels.csv)")
    lengths = sorted({p["iterations"] for p in points})
    used = {I: complete_seeds(points, I) for I in lengths}
    stats = []
    print("## Per variant and training length (final test accuracy; slope in accuracy per unit of P)\n")
    for I in lengths:
        seeds = used[I]
        print(f"### {I} iterations per training, seeds {', '.join(map(str, seeds))} "
              f"({len(seeds)} complete; dense level 0: "
              + ", ".join(f"{dense[(I, s)]:.4f}" for s in seeds if (I, s) in dense) + ")\n")
        print("| variant | points | mean acc | slope on P [95% seed bootstrap] | slope, n = 1 | slope, n = 3 "
              "| Pearson r(P) | Spearman ρ(P) | Pearson r(n) | Spearman ρ(n) |")
        print("|---|---:|---:|---|---|---|---:|---:|---:|---:|")
        for v in VARIANTS:
            q = [p for p in points if p["variant"] == v and p["iterations"] == I and p["seed"] in seeds]
            if len(q) < 3:
                continue
            P, n, acc = [p["P"] for p in q], [p["n"] for p in q], [p["acc"] for p in q]
            b, (lo, hi) = slope(P, acc), bootstrap_slope(q)
            per_n = {}
            for k in (1, 3):
                qk = [p for p in q if p["n"] == k]
                per_n[k] = (slope([p["P"] for p in qk], [p["acc"] for p in qk]),) + bootstrap_slope(qk) if len(qk) >= 3 else (float("nan"),) * 3
            row = dict(iterations=I, variant=v, seeds=" ".join(map(str, seeds)), points=len(q), mean_accuracy=mean(acc),
                       slope_P=b, slope_P_lo=lo, slope_P_hi=hi,
                       slope_P_n1=per_n[1][0], slope_P_n1_lo=per_n[1][1], slope_P_n1_hi=per_n[1][2],
                       slope_P_n3=per_n[3][0], slope_P_n3_lo=per_n[3][1], slope_P_n3_hi=per_n[3][2],
                       pearson_P=pearson(P, acc), spearman_P=spearman(P, acc),
                       pearson_n=pearson(n, acc), spearman_n=spearman(n, acc),
                       pearson_P_early_stop=pearson(P, [p["es_acc"] for p in q]))
            stats.append(row)
            print(f"| {v} | {len(q)} | {row['mean_accuracy']:.4f} | {fmt(b, 4)} [{fmt(lo, 4)}, {fmt(hi, 4)}] "
                  f"| {fmt(per_n[1][0], 4)} [{fmt(per_n[1][1], 4)}, {fmt(per_n[1][2], 4)}] "
                  f"| {fmt(per_n[3][0], 4)} [{fmt(per_n[3][1], 4)}, {fmt(per_n[3][2], 4)}] "
                  f"| {fmt(row['pearson_P'])} | {fmt(row['spearman_P'])} | {fmt(row['pearson_n'])} | {fmt(row['spearman_n'])} |")
        print()
    if len(lengths) > 1:
        common = sorted(set.intersection(*(set(used[I]) for I in lengths)))
        print(f"## Against the number of training iterations ({' vs '.join(map(str, lengths))}; seeds {', '.join(map(str, common))}; "
              "the (P, n) cells run at every length)\n")
        print("| variant | points | Pearson r(iterations) | Spearman ρ(iterations) | mean acc per length |")
        print("|---|---:|---:|---:|---|")
        for v in VARIANTS:
            # Only the (P, n) cells run at every length, so the lengths are compared on the same cells.
            cells = set.intersection(*({(p["P"], p["n"]) for p in points if p["variant"] == v and p["iterations"] == I} for I in lengths))
            q = [p for p in points if p["variant"] == v and p["seed"] in common and (p["P"], p["n"]) in cells]
            if len(q) < 3:
                continue
            it, acc = [p["iterations"] for p in q], [p["acc"] for p in q]
            means = ", ".join(f"{I}: {mean([p['acc'] for p in q if p['iterations'] == I]):.4f}" for I in lengths)
            stats.append(dict(iterations="all", variant=v, seeds=" ".join(map(str, common)), points=len(q), mean_accuracy=mean(acc),
                              pearson_iterations=pearson(it, acc), spearman_iterations=spearman(it, acc)))
            print(f"| {v} | {len(q)} | {fmt(pearson(it, acc))} | {fmt(spearman(it, acc))} | {means} |")
        print()
    print("## Mean final test accuracy per cell (over the complete seeds)\n")
    print("| iterations | n | P | ticket | reinit-end | reinit-every |")
    print("|---:|---:|---:|---:|---:|---:|")
    for I in lengths:
        for n in (1, 3):
            for P in sorted({p["P"] for p in points}):
                cells = []
                for v in VARIANTS:
                    a = [p["acc"] for p in points if p["variant"] == v and p["iterations"] == I and p["n"] == n and p["P"] == P and p["seed"] in used[I]]
                    cells.append(f"{mean(a):.4f}" if a else "–")
                print(f"| {I} | {n} | {P} | " + " | ".join(cells) + " |")
    print()
    for c, twin in identity:
        same = twin is not None and twin["acc"] == c["acc"] and twin["es_acc"] == c["es_acc"] and twin["es_iter"] == c["es_iter"]
        print(f"Identity check, n = 1 reinit-every vs reinit-end (P {c['P']}, seed {c['seed']}, {c['iterations']} it.): "
              + ("identical" if same else f"DIFFERENT ({c} vs {twin})"))
    with open(os.path.join(root, f"points{suffix}.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["variant", "iterations", "P", "n", "seed", "remaining", "acc", "es_acc", "es_iter"])
        w.writeheader()
        for p in sorted(points, key=lambda p: (p["iterations"], p["variant"], p["P"], p["n"], p["seed"])):
            w.writerow({k: p[k] for k in w.fieldnames})
    keys = []
    for row in stats:
        keys += [k for k in row if k not in keys]
    with open(os.path.join(root, f"stats{suffix}.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=keys)
        w.writeheader()
        w.writerows(stats)


if __name__ == "__main__":
    report_input.call(main)
