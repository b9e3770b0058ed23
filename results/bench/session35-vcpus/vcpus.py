#!/usr/bin/env python3
"""Per round of vcpus.sh: pingpong before/after, the 1-thread MLP's training img/s pinned to CPU 0
and to CPU 1, their ratio, the 2-thread MLP's img/s, its round trips (the bench's own readings)
and its ratio to the faster and the slower 1-thread figure; then medians by period (slow: the
2-thread bench read ≥ 250 ns before or after its steps). Usage: python3 vcpus.py DIR"""
import glob, json, os, re, statistics, sys

d = sys.argv[1]
def train(f):
    r = json.load(open(f))["results"][0]
    return r["trainImagesPerSecond"], r.get("threading", {}).get("roundTripNanoseconds")
def detail(f):
    r = json.load(open(f))["results"][0]
    t = r.get("threading", {})
    return (f"{t.get('trainSpreadRegionsPerStep')}/{t.get('trainRegionsPerStep')}",
            "/".join(f"{x:.2f}" for x in t.get("computeSpeedup", [])), 1e6 * r["optimizerSeconds"],
            100 * r.get("hostLoad", {}).get("stealShare", 0))
def pingpong(f):
    m = re.search(r"(\d+) ns", open(f).read()) if os.path.exists(f) else None
    return m[1] if m else "?"
rounds = sorted(int(re.search(r"round(\d+)", f)[1]) for f in glob.glob(os.path.join(d, "t2-round*.json")))
print("| round | pingpong (ns) | 1 thread on CPU 0 | on CPU 1 | CPU 0 ÷ CPU 1 | 2 threads | its round trip (ns) | spread regions | compute probe | optimiser µs | steal | 2t ÷ faster 1t | 2t ÷ slower 1t |")
print("|---:|---|---:|---:|---:|---:|---|---|---|---:|---:|---:|---:|")
by = {"slow": [], "fast": []}
for r in rounds:
    try:
        c0, _ = train(f"{d}/cpu0-round{r}.json"); c1, _ = train(f"{d}/cpu1-round{r}.json"); t2, rt = train(f"{d}/t2-round{r}.json")
    except (OSError, KeyError, ValueError):
        continue
    period = "slow" if rt and max(rt) >= 250 else "fast"
    spread, probe, opt, steal = detail(f"{d}/t2-round{r}.json")
    by[period].append((c0 / c1, t2 / max(c0, c1), t2 / min(c0, c1)))
    print(f"| {r} | {pingpong(f'{d}/pingpong-round{r}-before.txt')}/{pingpong(f'{d}/pingpong-round{r}-after.txt')} | {c0:.0f} | {c1:.0f} | "
          f"{c0 / c1:.3f} | {t2:.0f} | {rt} ({period}) | {spread} | {probe} | {opt:.0f} | {steal:.1f}% | {t2 / max(c0, c1):.2f} | {t2 / min(c0, c1):.2f} |")
print()
for period, xs in by.items():
    if xs:
        print(f"{period}: {len(xs)} rounds; 2t slower than the faster 1t in {sum(x[1] < 1 for x in xs)}, than both in {sum(x[2] < 1 for x in xs)}; CPU 0 ÷ CPU 1 median {statistics.median(x[0] for x in xs):.3f} "
              f"(min {min(x[0] for x in xs):.3f}, max {max(x[0] for x in xs):.3f}); 2t ÷ faster 1t median "
              f"{statistics.median(x[1] for x in xs):.2f}; 2t ÷ slower 1t median {statistics.median(x[2] for x in xs):.2f}")
