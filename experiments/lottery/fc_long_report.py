#!/usr/bin/env python3
"""Frankle & Carbin's "tickets learn faster" at a longer budget (issue 16, item 2): a table over
the runs of fc-long-tickets.sh and fc-long-reinit.sh.

Reads ROOT/it<I>/dense-seed<s>/levels.csv (level 0: the dense net) and
ROOT/it<I>/level<L>-seed<s>/levels.csv (level 0: the chain's level-L mask from θ0, the ticket;
a level 1, if any, is read as that mask's re-initialised control) and
ROOT/it<I>/reinit-level<L>-seed<s>/levels.csv (fc-long-reinit.sh: the mask from the θ0 of seed
100 + s, level 0) and, for each, the early-stopping iteration
(minimum validation loss, evaluated every 100 iterations), the test accuracy there, the minimum
validation loss and the final test accuracy; mean ± 95% t-interval over seeds. Also whether the
minimum is censored (at the last evaluation). Writes ROOT/it<I>/summary.csv; prints Markdown.

Usage: fc_long_report.py [ROOT]   (default results/lottery/fc-long; standard library only)
"""
import csv
import math
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import report_input  # noqa: E402  (experiments/report_input.py)

T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571}


def interval(x):
    m = sum(x) / len(x)
    if len(x) < 2:
        return m, float("nan")
    sd = math.sqrt(sum((v - m) ** 2 for v in x) / (len(x) - 1))
    return m, T975.get(len(x) - 1, 1.96) * sd / math.sqrt(len(x))


def main(root):
    report_input.folder(root, "the folder fc-long-tickets.sh writes (it<I>/…)")
    if not any(re.match(r"^it[0-9]+$", d) for d in os.listdir(root)):
        raise report_input.ReportInputError(f"{root}: no folder it<iterations>; expected the folder fc-long-tickets.sh writes (results/lottery/fc-long)")
    for it_dir in sorted(d for d in os.listdir(root) if re.match(r"^it[0-9]+$", d)):
        base = os.path.join(root, it_dir)
        rows = {}  # (level, arm) -> [dict per seed]
        for name in sorted(os.listdir(base)):
            m = re.match(r"^(dense|level([0-9]+)|reinit-level([0-9]+))-seed([0-9]+)$", name)
            path = os.path.join(base, name, "levels.csv")
            if not m or not os.path.exists(path):
                continue
            level = 0 if m.group(1) == "dense" else int(m.group(2) or m.group(3))
            separate_reinit = m.group(3) is not None  # fc-long-reinit.sh: the control on its own, as level 0
            with open(path, newline="") as f:
                for r in csv.DictReader(f):
                    arm = "dense" if level == 0 else "reinit" if separate_reinit or r["level"] != "0" else "ticket"
                    rows.setdefault((level, arm), []).append(dict(
                        seed=int(m.group(4)), remaining=float(r["remaining_percent"]), es_iter=int(r["early_stop_iteration"]),
                        es_acc=float(r["early_stop_test_accuracy"]), es_loss=float(r["early_stop_validation_loss"]),
                        final=float(r["final_test_accuracy"]), iterations=int(r["iterations"])))
        if not rows:
            continue
        out = []
        print(f"### {it_dir[2:]} iterations per training\n")
        print("| weights left | arm | seeds | early-stop iteration | test acc at early stop | min validation loss | final test acc | censored |")
        print("|---:|---|---|---:|---:|---:|---:|---:|")
        for (level, arm) in sorted(rows, key=lambda k: (k[0], k[1] != "ticket")):
            q = sorted(rows[(level, arm)], key=lambda r: r["seed"])
            it, acc, loss, fin = (interval([r[k] for r in q]) for k in ("es_iter", "es_acc", "es_loss", "final"))
            censored = sum(r["es_iter"] >= r["iterations"] for r in q)
            seeds = ",".join(str(r["seed"]) for r in q)
            print(f"| {q[0]['remaining']:.2f}% | {arm} | {seeds} | {it[0]:.0f} ± {it[1]:.0f} ({', '.join(str(r['es_iter']) for r in q)}) "
                  f"| {acc[0]:.4f} ± {acc[1]:.4f} | {loss[0]:.4f} ± {loss[1]:.4f} | {fin[0]:.4f} ± {fin[1]:.4f} | {censored}/{len(q)} |")
            out.append(dict(level=level, arm=arm, remaining_percent=q[0]["remaining"], seeds=seeds,
                            early_stop_iteration=it[0], early_stop_iteration_ci=it[1],
                            early_stop_iterations=" ".join(str(r["es_iter"]) for r in q),
                            early_stop_test_accuracy=acc[0], early_stop_test_accuracy_ci=acc[1],
                            min_validation_loss=loss[0], min_validation_loss_ci=loss[1],
                            final_test_accuracy=fin[0], final_test_accuracy_ci=fin[1], censored=censored))
        print()
        # Paired by seed: the ticket against its re-initialised mask, and against the dense net.
        print("Paired by seed (mean difference ± 95% t-interval; per seed in brackets):\n")
        print("| weights left | comparison | seeds | early-stop iteration difference | test acc at early stop, difference (points) |")
        print("|---:|---|---|---:|---:|")
        dense = {r["seed"]: r for r in rows.get((0, "dense"), [])}
        for level in sorted({k[0] for k in rows if k[0] > 0}):
            ticket = {r["seed"]: r for r in rows.get((level, "ticket"), [])}
            for name, other in (("ticket − reinit", {r["seed"]: r for r in rows.get((level, "reinit"), [])}), ("ticket − dense", dense)):
                common = sorted(set(ticket) & set(other))
                if len(common) < 2:
                    continue
                di = [ticket[s]["es_iter"] - other[s]["es_iter"] for s in common]
                da = [100 * (ticket[s]["es_acc"] - other[s]["es_acc"]) for s in common]
                (mi, hi), (ma, ha) = interval(di), interval(da)
                print(f"| {ticket[common[0]]['remaining']:.2f}% | {name} | {','.join(map(str, common))} | {mi:+.0f} ± {hi:.0f} ({', '.join(f'{x:+d}' for x in di)}) "
                      f"| {ma:+.2f} ± {ha:.2f} ({', '.join(f'{x:+.2f}' for x in da)}) |")
        print()
        with open(os.path.join(base, "summary.csv"), "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(out[0]))
            w.writeheader()
            w.writerows(out)


if __name__ == "__main__":
    report_input.run(main, __doc__, 1, default=["results/lottery/fc-long"])
