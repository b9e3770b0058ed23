"""Ratios within rounds of ab.sh / ab-env.sh output: python3 steps.py DIR BASE NEW... (speed of NEW / BASE).
Per round: img/s ratio (bench's trainImagesPerSecond), ratio of the median and of the fastest of the
10 measured training steps (trainStepSamples; BASE time / NEW time), and CPU time of the whole
process (perf stat task-clock, NEW / BASE: includes start-up, the sgemm peak probe and evaluation)."""
import json, glob, re, sys, statistics as st
d, names = sys.argv[1], sys.argv[2:]
rows = {}
for n in names:
    for f in glob.glob(f"{d}/{n}-round*.txt"):
        r = int(re.search(r'round(\d+)', f).group(1))
        j = json.loads([l for l in open(f) if l.startswith('{')][-1])
        cpu = float(open(f[:-4] + '.perf').read().split('task-clock')[0].strip().split('\n')[-1].split(',')[0])
        rows.setdefault(r, {})[n] = (j["trainImagesPerSecond"], st.median(j["trainStepSamples"]), min(j["trainStepSamples"]), cpu,
                                     j["peakResidentBytes"], j["tensorAllocationsInSteps"], j["heapBytesGrowthInSteps"])
base = names[0]
fmt = lambda xs: f"{st.median(xs):.3f} (" + " ".join(f"{v:.3f}" for v in xs) + ")"
for n in names[1:]:
    rs = [rows[r] for r in sorted(rows) if base in rows[r] and n in rows[r]]
    ips = [x[n][0] / x[base][0] for x in rs]; med = [x[base][1] / x[n][1] for x in rs]
    fast = [x[base][2] / x[n][2] for x in rs]; cpu = [x[n][3] / x[base][3] for x in rs]
    print(f"{n} / {base}, {len(rs)} rounds: img/s {fmt(ips)}; median step {fmt(med)}; fastest step {fmt(fast)}; CPU time {fmt(cpu)}")
    print(f"  peak RSS MiB {base} {sorted(set(x[base][4] >> 20 for x in rs))}, {n} {sorted(set(x[n][4] >> 20 for x in rs))}; "
          f"tensor allocations / heap growth in steps {n}: {sorted(set((x[n][5], x[n][6]) for x in rs))}")
