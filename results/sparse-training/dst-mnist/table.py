#!/usr/bin/env python3
"""The table of README.md: final test accuracy per arm, mean ± 95% t-interval over seeds, from the
run folders' summary.json and masks.csv. Usage: python3 table.py (in this folder)."""
import csv, json, math, os, statistics

ARMS = ["dense", "magnitude", "random", "set", "rigl", "rigl-erk"]
T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262}

def interval(xs):
    m = statistics.mean(xs)
    h = T975[len(xs) - 1] * statistics.stdev(xs) / math.sqrt(len(xs)) if len(xs) > 1 else float("nan")
    return m, h

print("| arm | seeds | final test accuracy (%) | final test loss | active weights (fc1 / fc2 / fc3 = all) | per-seed accuracy (%) |")
print("|---|---|---|---|---|---|")
for arm in ARMS:
    runs = sorted(d for d in os.listdir(arm) if d.startswith("seed-")) if os.path.isdir(arm) else []
    sums = [json.load(open(f"{arm}/{r}/summary.json")) for r in runs if os.path.exists(f"{arm}/{r}/summary.json")]
    sums = [s for s in sums if s["status"] == "completed"]
    if not sums:
        continue
    acc = [100 * s["finalTestAccuracy"] for s in sums]
    loss = [s["finalTestLoss"] for s in sums]
    m, h = interval(acc)
    lm, lh = interval(loss)
    kept = "266 200 (dense)"
    path = f"{arm}/{runs[0]}/masks.csv"
    if os.path.exists(path):
        rows = list(csv.DictReader(open(path)))
        last = max(int(r["iteration"]) for r in rows)
        k = {r["tensor"]: float(r["mean_kept"]) for r in rows if int(r["iteration"]) == last}
        kept = " / ".join(f"{k[t]:.0f}" for t in ["fc1.weight", "fc2.weight", "fc3.weight"]) + f" = {k['all']:.0f}"
    print(f"| {arm} | {len(sums)} | {m:.2f} ± {h:.2f} | {lm:.4f} ± {lh:.4f} | {kept} | {', '.join(f'{a:.2f}' for a in acc)} |")
