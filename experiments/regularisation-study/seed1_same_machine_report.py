#!/usr/bin/env python3
"""README of study F's seed 1 on one machine (seed1-same-machine.md, declared before its runs).

It compares three analyses of the 3 primary contrasts:
- F's declared analysis (F's paired.csv);
- the sensitivity without seed 1's cross-machine pairs (F's sensitivity-machine.md);
- the same declared analysis with `baseline` and `dropconnect` seed 1 trained again on the EPYC
  (OUT/paired.csv, from `masklab compare --report-only` on the substituted copy).

It then lists the exploratory contrasts, and the machine effect on one run: new final test accuracy
minus the Xeon run's, for the same config. Prints Markdown. Standard library only.

Usage: python3 experiments/regularisation-study/seed1_same_machine_report.py F OUT
  F    results/compare-study-cifar-final
  OUT  results/study-f-seed1-same-machine (its runs/, and paired.csv and REPORT.md of the
       substituted analysis)
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import report_input  # noqa: E402  (experiments/report_input.py)
from report_input import ReportInputError  # noqa: E402

PAIRED = ("family", "first", "second", "n", "mean_difference", "ci95_low", "ci95_high", "p_holm", "p_tost", "verdict")
ARMS = ("baseline", "dropconnect")


def paired(path):
    rows = report_input.read_csv(path, "a comparison's paired.csv", PAIRED)
    if not rows:
        raise ReportInputError(f"{path}: only a header; expected one row per contrast")
    return {(r.text("family"), r.text("first"), r.text("second")): r for r in rows}


def sensitivity(path):
    """Primary rows of sensitivity-machine.md: contrast → (seeds, 'mean [lo, hi]', Holm p)."""
    if not os.path.isfile(path):
        raise ReportInputError(f"{path}: no such file; expected sensitivity_machine.py's table")
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) == 8 and cells[0] == "primary":
                out[cells[1]] = (cells[2], cells[3], cells[6])
    if not out:
        raise ReportInputError(f"{path}: no primary rows; expected sensitivity_machine.py's table")
    return out


def points(r, key):
    return 100 * r.number(key)


def interval(r):
    return f"{points(r, 'mean_difference'):+.2f} [{points(r, 'ci95_low'):+.2f}, {points(r, 'ci95_high'):+.2f}]"


def holm(r):
    v = r.text("p_holm").strip()
    return f"{float(v):.4f}" if v else "—"


def verdict(r):
    """The row's verdict with its margin in points, as this README's tables are (the CSV's ±0.01)."""
    return re.sub(r"±(0\.\d+)", lambda m: f"±{100 * float(m.group(1)):g} point" + ("" if float(m.group(1)) == 0.01 else "s"), r.text("verdict"))


def machine(run):
    path = os.path.join(run, "command.txt")
    if not os.path.isfile(path):
        raise ReportInputError(f"{path}: no such file; expected the run's command.txt")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"^machine: (.+)$", text, re.M)
    c = re.search(r"^commit: ([0-9a-f]+)", text, re.M)
    return (m.group(1) if m else "?"), (c.group(1)[:7] if c else "?")


def main(f_root, out):
    for path in (f_root, out):
        report_input.folder(path, "F's folder and this check's folder")
    declared = paired(os.path.join(f_root, "paired.csv"))
    again = paired(os.path.join(out, "paired.csv"))
    sens = sensitivity(os.path.join(f_root, "sensitivity-machine.md"))
    new_report = os.path.join(out, "REPORT.md")
    if not os.path.isfile(new_report):
        raise ReportInputError(f"{new_report}: no such file; expected the substituted analysis's REPORT.md")
    # The machine of every run of the substituted copy, per seed: F's runs, the new ones for seed 1.
    per_seed = {}
    runs = report_input.folder(os.path.join(f_root, "runs"), "F's runs/<arm>/seed-<n>")
    for arm in sorted(os.listdir(runs)):
        for seed in sorted(os.listdir(os.path.join(runs, arm))):
            run = os.path.join(runs, arm, seed)
            if arm in ARMS and seed == "seed-1":
                run = os.path.join(out, "runs", arm, seed)
            per_seed.setdefault(int(seed.removeprefix("seed-")), set()).add(machine(run)[0])

    print("# Study F, seed 1 on one machine (exploratory)\n")
    print("Plan, declared before the two runs: [`experiments/regularisation-study/seed1-same-machine.md`]"
          "(../../experiments/regularisation-study/seed1-same-machine.md). Written by "
          "`bash experiments/regularisation-study/seed1-same-machine.sh` (this README by `seed1_same_machine_report.py`).\n")
    print("F's `baseline` and `dropconnect` seed 1 were trained again from their own `config.json` on the AMD EPYC with "
          "the binary of F's other EPYC runs; `runs/` holds them (no checkpoints). A copy of F's committed runs with those "
          "two replaced was analysed by F's declared analysis (`masklab compare --report-only`): [`REPORT.md`](REPORT.md) "
          "with its tables (`paired.csv`, `summary.csv`, …) and figures.\n")
    crossing = [s for s, m in sorted(per_seed.items()) if len(m) > 1]
    by_machine = {}
    for s, m in sorted(per_seed.items()):
        if len(m) == 1:
            by_machine.setdefault(next(iter(m)), []).append(s)
    print("Machines of the substituted copy's runs, per seed: "
          + "; ".join(f"seed{'s' if len(v) > 1 else ''} {', '.join(map(str, v))} on {k}" for k, v in by_machine.items())
          + (f"; seeds {', '.join(map(str, crossing))} still cross machines." if crossing else
             ". Every seed's arms ran on one machine, so every paired difference compares runs of one CPU and kernel set "
             "(the report's note that the runs span two CPU models is about different seeds).") + "\n")
    print("## The primary contrasts (points of final test accuracy, mean [95% CI])\n")
    print("| contrast | F as declared (seed 1 crosses machines) | Holm p | verdict | without the crossing pairs (sensitivity) | Holm p | **seed 1 on one machine** | Holm p | TOST p | verdict |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for key, r in again.items():
        if key[0] != "primary":
            continue
        contrast = f"{key[1]} − {key[2]}"
        d = declared.get(key)
        if d is None:
            raise ReportInputError(f"{os.path.join(f_root, 'paired.csv')}: no primary row {contrast}")
        s = sens.get(contrast, ("", "—", "—"))
        print(f"| {contrast} | {interval(d)} | {holm(d)} | {verdict(d)} (TOST p {d.number('p_tost'):.4f}) | {s[1]} (seeds {s[0]}) | {s[2]} | "
              f"**{interval(r)}** | {holm(r)} | {r.number('p_tost'):.4f} | {verdict(r)} |")
    print("\n## Exploratory contrasts (unadjusted)\n")
    print("| contrast | F as declared | seed 1 on one machine | verdict (one machine) |")
    print("|---|---|---|---|")
    for key, r in again.items():
        if key[0] == "primary":
            continue
        d = declared.get(key)
        print(f"| {key[1]} − {key[2]} | {interval(d) if d else '—'} | {interval(r)} | {verdict(r)} |")
    print("\n## The machine effect on one run\n")
    print("The same config (seed, subset, data order, 25 epochs, 1 thread), trained on two CPUs:\n")
    print("| arm, seed 1 | Xeon run (F) | EPYC run (this check) | EPYC − Xeon (points) |")
    print("|---|---|---|---|")
    for arm in ARMS:
        old_run, new_run = os.path.join(f_root, "runs", arm, "seed-1"), os.path.join(out, "runs", arm, "seed-1")
        old = report_input.read_json(os.path.join(old_run, "summary.json"), "F's run summary")
        new = report_input.read_json(os.path.join(new_run, "summary.json"), "the new run's summary")
        for s, p in ((old, old_run), (new, new_run)):
            if not isinstance(s.get("finalTestAccuracy"), (int, float)):
                raise ReportInputError(f"{os.path.join(p, 'summary.json')}: no number 'finalTestAccuracy'")
        (om, oc), (nm, nc) = machine(old_run), machine(new_run)
        print(f"| {arm} | {old['finalTestAccuracy']:.4f} ({om}, `{oc}`) | {new['finalTestAccuracy']:.4f} ({nm}, `{nc}`) | "
              f"{100 * (new['finalTestAccuracy'] - old['finalTestAccuracy']):+.2f} |")


if __name__ == "__main__":
    report_input.run(main, __doc__, 2)
