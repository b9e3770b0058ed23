#!/usr/bin/env python3
"""Study F's sensitivity to seed 1's mixed machine (exploratory, not part of the declared analysis).

`baseline` and `dropconnect` seed 1 ran on the Intel Xeon (binary 64bb8bf), every other arm of
seed 1 on the AMD EPYC (0392677), so a seed-1 difference between one of those two arms and any
other arm includes a change of CPU and kernels. This recomputes every row of `paired.csv` without
such pairs: mean difference with its 95% t interval, paired t and Wilcoxon p, TOST p for the
margin ±0.01, and Holm over the primary rows. Needs SciPy.

Usage: python3 experiments/regularisation-study/sensitivity_machine.py results/compare-study-cifar-final/paired.csv
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import report_input  # noqa: E402  (experiments/report_input.py)

try:
    import numpy as np
    from scipy import stats
except ImportError as e:
    print(f"sensitivity_machine.py: error: needs NumPy and SciPy ({e}); e.g. pip install scipy", file=sys.stderr)
    sys.exit(2)

MIXED_SEED, ON_OTHER_MACHINE, MARGIN = 1, {"baseline", "dropconnect"}, 0.01


def main(path):
    rows = report_input.read_csv(path, "a comparison's paired.csv (`masklab compare` with an analysis)",
                                 ("family", "first", "second", "seeds", "differences"))
    if not rows:
        raise report_input.ReportInputError(f"{path}: only a header; expected one row per contrast")
    out = []
    for r in rows:
        try:
            seeds = [int(x) for x in r.text("seeds").split(";")]
            d = np.array([float(x) for x in r.text("differences").split(";")])
        except ValueError:
            raise report_input.ReportInputError(f"{path}, line {r.line}: 'seeds' and 'differences' must be ';'-separated numbers") from None
        if len(seeds) != len(d):
            raise report_input.ReportInputError(f"{path}, line {r.line}: {len(seeds)} seeds but {len(d)} differences")
        mixed = (r["first"] in ON_OTHER_MACHINE) != (r["second"] in ON_OTHER_MACHINE)
        keep = [i for i, s in enumerate(seeds) if not (s == MIXED_SEED and mixed)]
        dd, n = d[keep], len(keep)
        se, df = dd.std(ddof=1) / np.sqrt(n), n - 1
        lo, hi = stats.t.interval(0.95, df, loc=dd.mean(), scale=se)
        tost = max(stats.t.sf((dd.mean() + MARGIN) / se, df), stats.t.cdf((dd.mean() - MARGIN) / se, df))
        out.append(dict(family=r["family"], contrast=f"{r['first']} − {r['second']}", seeds=[seeds[i] for i in keep],
                        mean=dd.mean(), lo=lo, hi=hi, p=stats.ttest_1samp(dd, 0).pvalue,
                        wilcoxon=stats.wilcoxon(dd).pvalue, tost=tost, holm=None))
    primary = [o for o in out if o["family"] == "primary"]
    # Holm step-down; a row without a p-value (fewer than two pairs, or σ_d = 0) counts as p = 1,
    # as in `masklab compare`, and keeps its nan rather than turning into 0.
    running = 0.0
    for k, o in enumerate(sorted(primary, key=lambda o: (np.isnan(o["p"]), o["p"]))):
        p = 1.0 if np.isnan(o["p"]) else o["p"]
        running = max(running, (len(primary) - k) * p)
        o["holm"] = float("nan") if np.isnan(o["p"]) else min(1.0, running)
    print(f"# {path} without seed {MIXED_SEED}'s pairs that cross machines (SciPy {__import__('scipy').__version__})")
    print("| family | contrast | seeds | mean Δ (points) [95% CI] | paired t p | Wilcoxon p | Holm p | TOST p (±0.01) |")
    print("|---|---|---|---|---|---|---|---|")
    for o in out:
        holm = f"{o['holm']:.4f}" if o["holm"] is not None else "—"
        print(f"| {o['family']} | {o['contrast']} | {','.join(map(str, o['seeds']))} | {100 * o['mean']:+.2f} "
              f"[{100 * o['lo']:+.2f}, {100 * o['hi']:+.2f}] | {o['p']:.4f} | {o['wilcoxon']:.4f} | {holm} | {o['tost']:.4f} |")


if __name__ == "__main__":
    report_input.run(main, __doc__, 1, default=["results/compare-study-cifar-final/paired.csv"])
