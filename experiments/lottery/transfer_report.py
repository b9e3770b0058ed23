#!/usr/bin/env python3
"""Ticket transfer between MNIST digits 0–4 (task A) and 5–9 (task B) (issue 16, item 5): a table
over the runs of transfer-mnist.sh.

For every seed s and transferred level L it reads ROOT/B-chain-seed<s>/levels.csv (level 0: the
dense net on B; level L: B's own ticket), ROOT/B-random-seed<s>/levels.csv (level L: a random mask
of the same per-layer sparsity from the same θ0), ROOT/A-to-B-level<L>-seed<s>/levels.csv (level
0: A's level-L ticket, mask and θ0, trained on B) and ROOT/A-chain-seed<s>/levels.csv (level L: A's
ticket on its own task, for reference). Per arm: the early-stopping iteration (minimum validation
loss, evaluated every 100 iterations), the test accuracy there and the final test accuracy, mean ±
95% t-interval over seeds; then paired differences (same seed) of the transferred ticket against
B's ticket, the random mask and the dense net; then the commits and machines that trained them
(provenance.py). Writes ROOT/summary.csv; prints Markdown.

Usage: transfer_report.py [ROOT]   (default results/lottery/transfer-mnist; standard library only)
"""
import csv
import math
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import provenance  # noqa: E402  (this folder's helper)
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import report_input  # noqa: E402  (experiments/report_input.py)

T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262}


def interval(x):
    m = sum(x) / len(x)
    if len(x) < 2:
        return m, float("nan")
    sd = math.sqrt(sum((v - m) ** 2 for v in x) / (len(x) - 1))
    return m, T975.get(len(x) - 1, 1.96) * sd / math.sqrt(len(x))


def levels(path):
    with open(path, newline="") as f:
        return {int(r["level"]): r for r in csv.DictReader(f) if r["arm"] == "ticket"}


def row(r):
    return dict(remaining=float(r["remaining_percent"]), es_iter=int(r["early_stop_iteration"]),
                es_acc=float(r["early_stop_test_accuracy"]), final=float(r["final_test_accuracy"]))


def fmt(m, h, scale=1.0, digits=2):
    m, h = m * scale, h * scale
    return f"{m:.{digits}f}" + ("" if math.isnan(h) else f" ± {h:.{digits}f}")


def main(root):
    report_input.folder(root, "the folder transfer-mnist.sh or transfer-cifar10.sh writes")
    transferred = {}
    for name in os.listdir(root):
        m = re.match(r"^A-to-B-level([0-9]+)-seed([0-9]+)$", name)
        if m and os.path.exists(os.path.join(root, name, "levels.csv")):
            transferred.setdefault(int(m.group(1)), []).append(int(m.group(2)))
    if not transferred:
        raise report_input.ReportInputError(f"{root}: no folder A-to-B-level<L>-seed<s> with a levels.csv; "
                                            "expected the folder transfer-mnist.sh or transfer-cifar10.sh writes")
    arms = ["A ticket on A", "dense on B", "B ticket", "A→B ticket", "random mask on B"]
    out = []
    print(f"# Ticket transfer: {os.path.basename(os.path.normpath(root))}\n")
    print(f"Printed by `python3 experiments/lottery/transfer_report.py {root}` (the study queue writes it to REPORT.md) from the folders beside it "
          "(design and budget: the script that made them, named in each folder's `command.txt`). "
          "Mean ± 95% t-interval over seeds; differences paired by seed.\n")
    for level in sorted(transferred):
        per_arm = {a: {} for a in arms}
        for s in sorted(transferred[level]):
            try:
                a_chain = levels(os.path.join(root, f"A-chain-seed{s}", "levels.csv"))
                b_chain = levels(os.path.join(root, f"B-chain-seed{s}", "levels.csv"))
                b_random = levels(os.path.join(root, f"B-random-seed{s}", "levels.csv"))
                a_to_b = levels(os.path.join(root, f"A-to-B-level{level:02d}-seed{s}", "levels.csv"))
                per_arm["A ticket on A"][s] = row(a_chain[level])
                per_arm["dense on B"][s] = row(b_chain[0])
                per_arm["B ticket"][s] = row(b_chain[level])
                per_arm["A→B ticket"][s] = row(a_to_b[0])
                per_arm["random mask on B"][s] = row(b_random[level])
            except (OSError, KeyError):
                for a in arms:
                    per_arm[a].pop(s, None)
        seeds = sorted(per_arm["A→B ticket"])
        if not seeds:
            continue
        remaining = per_arm["A→B ticket"][seeds[0]]["remaining"]
        print(f"### Level {level}: {remaining:.1f}% of the weights left ({len(seeds)} seeds: {', '.join(map(str, seeds))})\n")
        print("| arm | early-stop iteration | test acc at early stop (%) | final test acc (%) |")
        print("|---|---:|---:|---:|")
        for a in arms:
            q = [per_arm[a][s] for s in seeds]
            it, acc, fin = (interval([r[k] for r in q]) for k in ("es_iter", "es_acc", "final"))
            print(f"| {a} | {fmt(*it, digits=0)} | {fmt(*acc, scale=100)} | {fmt(*fin, scale=100)} |")
            for s in seeds:
                r = per_arm[a][s]
                out.append(dict(level=level, arm=a, seed=s, remaining_percent=f"{r['remaining']:.3f}", early_stop_iteration=r["es_iter"],
                                early_stop_test_accuracy=r["es_acc"], final_test_accuracy=r["final"]))
        print("\nPaired by seed (A→B ticket minus …), mean ± 95% t-interval:\n")
        print("| minus | Δ early-stop iteration | Δ test acc at early stop (points) | Δ final test acc (points) |")
        print("|---|---:|---:|---:|")
        for other in ["B ticket", "random mask on B", "dense on B"]:
            d = {k: [per_arm["A→B ticket"][s][k] - per_arm[other][s][k] for s in seeds] for k in ("es_iter", "es_acc", "final")}
            print(f"| {other} | {fmt(*interval(d['es_iter']), digits=0)} | {fmt(*interval(d['es_acc']), scale=100)} | {fmt(*interval(d['final']), scale=100)} |")
        print()
    chains = [os.path.join(root, n) for n in sorted(os.listdir(root)) if os.path.isdir(os.path.join(root, n))]
    print("### Provenance\n")
    print("\n".join(provenance.summary(chains, root)))
    if out:
        with open(os.path.join(root, "summary.csv"), "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(out[0]))
            w.writeheader()
            w.writerows(out)


if __name__ == "__main__":
    report_input.run(main, __doc__, 1, default=["results/lottery/transfer-mnist"])
