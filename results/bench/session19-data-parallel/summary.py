#!/usr/bin/env python3
"""Pairs of (data-parallel, ordinary) MLP bench runs from ab.log and set*/json-*.json, split by
period: disturbed when any of the four round-trip readings (before and after each run) is above
10 µs (the worker was not scheduled in time: the machine was busy, not a placement), else slow when
all four are ≥ 300 ns, quiet when all four are < 150 ns, mixed otherwise. Prints every pair and the range of ratios per period."""
import glob, json, os, re, sys
here = os.path.dirname(os.path.abspath(__file__))
pairs = []  # (source, dp img/s, ordinary img/s, [round trips])
rows = {}
for line in open(os.path.join(here, "ab.log")):
    m = re.match(r"(\S+) round (\d+) (\S+) rt (\d+)/(\d+) img/s ([\d.]+)", line)
    if m:
        rows.setdefault(int(m[2]), {})[m[3]] = (float(m[6]), [int(m[4]), int(m[5])])
for r, d in sorted(rows.items()):
    if "data-parallel" in d and "--no-data-parallel" in d:
        pairs.append((f"ab.log round {r}", d["data-parallel"][0], d["--no-data-parallel"][0], d["data-parallel"][1] + d["--no-data-parallel"][1]))
for f in sorted(glob.glob(os.path.join(here, "set*", "json-*-dp.json"))):
    g = f.replace("-dp.json", "-ordinary.json")
    if not os.path.exists(g):
        continue
    a, b = (json.load(open(x))["results"][0] for x in (f, g))
    pairs.append((os.path.relpath(f, here), a["trainImagesPerSecond"], b["trainImagesPerSecond"],
                  a["threading"]["roundTripNanoseconds"] + b["threading"]["roundTripNanoseconds"]))
def period(rt):
    if max(rt) > 10_000:
        return "disturbed"
    return "slow" if max(rt) >= 300 and min(rt[:2]) >= 300 and min(rt[2:]) >= 300 else "quiet" if max(rt) < 150 else "mixed"
by = {}
for src, dp, od, rt in pairs:
    p = period(rt)
    by.setdefault(p, []).append((dp, od, rt))
    print(f"{src:40s} {p:5s} rt {'/'.join(map(str, rt)):>16s}  data-parallel {dp:9.1f}  ordinary {od:9.1f}  ratio {dp / od:.3f}")
print()
for p, v in by.items():
    r = [dp / od for dp, od, _ in v]
    print(f"{p}: {len(v)} pairs, round trips {min(min(x[2]) for x in v)}–{max(max(x[2]) for x in v)} ns, "
          f"data-parallel {min(x[0] for x in v):.0f}–{max(x[0] for x in v):.0f}, ordinary {min(x[1] for x in v):.0f}–{max(x[1] for x in v):.0f}, "
          f"ratio {min(r):.3f}–{max(r):.3f} (median {sorted(r)[len(r) // 2]:.3f})")
