#!/usr/bin/env python3
"""Study F's sensitivity to seed 1's mixed machine (exploratory, not part of the declared analysis).

`baseline` and `dropconnect` seed 1 ran on the Intel Xeon (binary 64bb8bf), every other arm of
seed 1 on the AMD EPYC (0392677), so a seed-1 difference between one of those two arms and any
other arm includes a change of CPU and kernels. This recomputes every row of `paired.csv` without
such pairs: mean difference with its 95% t interval, paired t and Wilcoxon p, TOST p for the
margin ±0.01, and Holm over the primary rows. Needs SciPy.

Usage: python3 experiments/regularisation-study/sensitivity_machine.py results/compare-study-cifar-final/paired.csv
"""
import csv
import sys

import numpy as np
from scipy import stats

MIXED_SEED, ON_OTHER_MACHINE, MARGIN = 1, {"baseline", "dropconnect"}, 0.01


def main(path):
    rows = list(csv.DictReader(open(path)))
    out = []
    for r in rows:
        seeds = [int(x) for x in r["seeds"].split(";")]
        d = np.array([float(x) for x in r["differences"].split(";")])
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
    running = 0.0
    for k, o in enumerate(sorted(primary, key=lambda o: o["p"])):
        running = max(running, (len(primary) - k) * o["p"])
        o["holm"] = min(1.0, running)
    print(f"# {path} without seed {MIXED_SEED}'s pairs that cross machines (SciPy {__import__('scipy').__version__})")
    print("| family | contrast | seeds | mean Δ (points) [95% CI] | paired t p | Wilcoxon p | Holm p | TOST p (±0.01) |")
    print("|---|---|---|---|---|---|---|---|")
    for o in out:
        holm = f"{o['holm']:.4f}" if o["holm"] is not None else "—"
        print(f"| {o['family']} | {o['contrast']} | {','.join(map(str, o['seeds']))} | {100 * o['mean']:+.2f} "
              f"[{100 * o['lo']:+.2f}, {100 * o['hi']:+.2f}] | {o['p']:.4f} | {o['wilcoxon']:.4f} | {holm} | {o['tost']:.4f} |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "results/compare-study-cifar-final/paired.csv")
