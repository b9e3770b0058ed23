#!/usr/bin/env python3
"""Session 33: the machine's load while each process of rounds.sh ran: the host's steal and other
processes' CPU time as shares of all CPUs over the process's wall time (from /proc/stat's aggregate
line before and after, and the process's own user + system seconds from GNU time), and the bench's
own reading for its measured steps (`hostLoad` in the JSON, per workload).
Usage: python3 loadshares.py OUT"""
import glob, json, os, re, sys

TICKS = os.sysconf("SC_CLK_TCK")

def counters(path):
    f = [int(v) for v in open(path).read().split()[1:9]]
    return f[0] + f[1] + f[2] + f[5] + f[6], f[3] + f[4], f[7]   # busy, idle, steal

out = sys.argv[1]
print("| process | wall s | steal | other processes | bench's hostLoad per workload (steal / others) |")
print("|---|---:|---:|---:|---|")
names = sorted({re.sub(r"\.stat-before$", "", os.path.basename(p)) for p in glob.glob(f"{out}/*.stat-before")},
               key=lambda n: (int(re.search(r"round(\d+)", n).group(1)), n))
for name in names:
    b0, i0, s0 = counters(f"{out}/{name}.stat-before")
    b1, i1, s1 = counters(f"{out}/{name}.stat-after")
    user, system, wall = (float(v) for v in open(f"{out}/{name}.cputime").read().split()[-3:])
    total = (b1 - b0) + (i1 - i0) + (s1 - s0)
    others = max(0.0, (b1 - b0) / TICKS - user - system) * TICKS / total
    inner = ""
    if os.path.exists(f"{out}/{name}.json"):
        parts = []
        for r in json.load(open(f"{out}/{name}.json"))["results"]:
            h = r.get("hostLoad")
            parts.append(f"{r['workload']} " + (f"{100 * h['stealShare']:.1f}% / {100 * h['otherProcessesShare']:.1f}%" if h else "n/a"))
        inner = ", ".join(parts)
    print(f"| {name} | {wall:.1f} | {100 * (s1 - s0) / total:.1f}% | {100 * others:.1f}% | {inner} |")
