#!/usr/bin/env python3
"""Write REPORT.md and curves.svg for the CIFAR-10 architecture ladder (issue 21 item 3).

Usage: python3 experiments/ladder/ladder_report.py results/ladder

Reads every run folder <model>-s<seed>/ (config.json, metrics.csv, summary.json, command.txt)
under the given directory. Unfinished runs (no summary.json) are listed as such and left out of
the table. The SVG is drawn by `masklab plot` (MASKLAB, default .build/release/masklab) over the
finished runs. Standard library only.
"""
import math, os, re, shutil, statistics, subprocess, sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import report_input  # noqa: E402  (experiments/report_input.py)
from report_input import ReportInputError  # noqa: E402

# The source report's figures (seeds/000_…, §3.3, Fig. 3.1): final CIFAR-10 test accuracy.
REPORTED = {"mlp-2x64": 0.53, "lenet5": 0.60, "alexnet": 0.83, "resnet34": 0.89}
ORDER = ["mlp-2x64", "lenet5", "alexnet", "resnet34"]
# Two-sided 95% t quantiles for n − 1 degrees of freedom (n ≤ 6 here).
T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571}


def read_metrics(path):
    rows = report_input.read_csv(path, "a finished run's metrics.csv (one row per epoch)", ("test_accuracy",))
    for row in rows:
        row.number("test_accuracy")
    return rows


SUMMARY_KEYS = ("finalTestAccuracy", "bestTestAccuracy")


def first_command(run):
    path = os.path.join(run, "command.txt")
    if not os.path.exists(path):
        return "(no command.txt)"
    for line in open(path):
        line = line.strip()
        if line and not line.startswith("#"):
            return line.removeprefix("command: ")
    return "(empty command.txt)"


def commit_of(run):
    path = os.path.join(run, "command.txt")
    if not os.path.exists(path):
        return "?"
    m = re.search(r"commit: ([0-9a-f]{7,40})( \(with uncommitted changes\))?", open(path).read())
    return (m.group(1)[:7] + (", dirty" if m.group(2) else "")) if m else "?"


def machines_of(run):
    """The CPUs and OpenBLAS kernel sets of every invocation in the run's command.txt, e.g.
    "AMD EPYC (Cooperlake)"; several, in order of appearance, for a run resumed elsewhere."""
    path = os.path.join(run, "command.txt")
    if not os.path.exists(path):
        return "?"
    found, cpu = [], None
    for line in open(path):
        if line.startswith("machine: "):
            parts = line.removeprefix("machine: ").strip().split(", ")
            cpu = ", ".join(parts[1:-1]) if len(parts) >= 3 else line.strip()
        elif line.startswith("blas: ") and cpu is not None:
            words = line.split()
            kernel = words[-2] if len(words) >= 2 and words[-1].startswith("MAX_THREADS") else "?"
            if f"{cpu} ({kernel})" not in found:
                found.append(f"{cpu} ({kernel})")
            cpu = None
    return " and ".join(found) if found else "?"


def main(root):
    report_input.folder(root, "the ladder's folder of runs <model>-s<seed>/ (results/ladder)")
    runs = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))
    if not any(re.fullmatch(r"(.+)-s(\d+)", d) for d in runs):
        raise ReportInputError(f"{root}: no run folder named <model>-s<seed>; expected the ladder's folder (results/ladder)")
    groups, unfinished = {}, []
    for name in runs:
        m = re.fullmatch(r"(.+)-s(\d+)", name)
        if not m:
            continue
        path = os.path.join(root, name)
        summary_path = os.path.join(path, "summary.json")
        summary = report_input.read_json(summary_path, "a run's summary.json") if os.path.exists(summary_path) else {}
        if not isinstance(summary, dict) or summary.get("status") != "completed":   # not started, running, or stopped (it resumes)
            unfinished.append(name)
            continue
        for key in SUMMARY_KEYS:
            if not isinstance(summary.get(key), (int, float)):
                raise ReportInputError(f"{summary_path}: no number '{key}'; expected a finished run's summary.json")
        metrics = read_metrics(os.path.join(path, "metrics.csv"))
        groups.setdefault(m.group(1), []).append((int(m.group(2)), path, summary, metrics))

    lines = ["# The architecture ladder on CIFAR-10 (issue 21 item 3)", "",
             "Written by `python3 experiments/ladder/ladder_report.py " + root + "` from the run folders "
             "beside it. Plan and budgets: [`experiments/ladder/README.md`](../../experiments/ladder/README.md). "
             "Test accuracy is on the full 10 000-image test set after the last epoch; the "
             "interval is a 95% t-interval over seeds (none for one seed).", "",
             "| model | parameters | seeds | epochs | final test accuracy per seed | mean [95% CI] | best epoch's accuracy (mean) | report | difference | wall time per run |",
             "|---|---:|---|---:|---|---|---:|---:|---:|---:|"]
    for key in ORDER + sorted(k for k in groups if k not in ORDER):
        if key not in groups:
            lines.append(f"| `{key}` | | not run | | | | | {REPORTED.get(key, float('nan')):.0%} | | |")
            continue
        rows = sorted(groups[key])
        finals = [r[2]["finalTestAccuracy"] for r in rows]
        bests = [r[2]["bestTestAccuracy"] for r in rows]
        mean = statistics.fmean(finals)
        if len(finals) > 1:
            half = T975.get(len(finals) - 1, 1.96) * statistics.stdev(finals) / math.sqrt(len(finals))
            ci = f"{mean:.2%} [{mean - half:.2%}, {mean + half:.2%}]"
        else:
            ci = f"{mean:.2%} (one seed)"
        params = rows[0][2].get("parameters", "?")
        epochs = rows[0][2].get("epochs", "?")
        reported = REPORTED.get(key)
        diff = f"{(mean - reported) * 100:+.1f} pts" if reported is not None else ""
        seconds = statistics.fmean(r[2].get("totalSeconds", float("nan")) for r in rows)
        wall = f"{seconds / 3600:.2f} h" if seconds >= 3600 else f"{seconds / 60:.1f} min"
        per_seed = " · ".join(f"s{s}: {a:.2%}" for (s, _, _, _), a in zip(rows, finals))
        lines.append(f"| `{key}` | {params:,} | {len(rows)} | {epochs} | {per_seed} | {ci} | "
                     f"{statistics.fmean(bests):.2%} | {reported:.0%} | {diff} | {wall} |"
                     if reported is not None else
                     f"| `{key}` | {params:,} | {len(rows)} | {epochs} | {per_seed} | {ci} | "
                     f"{statistics.fmean(bests):.2%} | | | {wall} |")
    if unfinished:
        lines += ["", "Unfinished (no `summary.json`, left out): " + ", ".join(f"`{u}`" for u in unfinished) + "."]

    lines += ["", "## Test accuracy per epoch", "", "![test accuracy per epoch](curves.svg)", ""]
    for key in ORDER + sorted(k for k in groups if k not in ORDER):
        if key not in groups:
            continue
        lines.append(f"- `{key}`: " + "; ".join(
            f"s{s}: " + " ".join(f"{row.number('test_accuracy'):.3f}" for row in metrics)
            for s, _, _, metrics in sorted(groups[key])))
    lines += ["", "## Commands (first line of each run's `command.txt`, with the CPU and OpenBLAS kernel set of its invocations)", ""]
    for key in sorted(groups):
        for s, path, _, _ in sorted(groups[key]):
            lines.append(f"- `{os.path.basename(path)}` (commit {commit_of(path)}; {machines_of(path)}): `{first_command(path)}`")

    with open(os.path.join(root, "REPORT.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    finished = [r[1] for key in groups for r in groups[key]]
    if finished:
        masklab = os.environ.get("MASKLAB", ".build/release/masklab")
        if shutil.which(masklab) is None:
            raise ReportInputError(f"{masklab}: no masklab binary to draw curves.svg (REPORT.md is written); "
                                   "build it (swift build -c release --product masklab) or set MASKLAB")
        plot = subprocess.run([masklab, "plot", *sorted(finished), "--out", os.path.join(root, "curves.svg"),
                               "--title", "CIFAR-10: the source report's architecture ladder"])
        if plot.returncode != 0:
            raise ReportInputError(f"`{masklab} plot` exited with status {plot.returncode} drawing {os.path.join(root, 'curves.svg')} "
                                   "(REPORT.md is written; its message is above)")
    print(f"wrote {os.path.join(root, 'REPORT.md')} ({sum(len(g) for g in groups.values())} finished runs)")


if __name__ == "__main__":
    report_input.run(main, __doc__, 1)
