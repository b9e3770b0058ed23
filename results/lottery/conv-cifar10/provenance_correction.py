#!/usr/bin/env python3
"""Corrects the commit recorded for lottery levels whose binary was replaced while the chain ran.

A `masklab lottery` process trains all its levels with the binary it started with. Before the
build stamp (commit 30b9252), each level's command.txt read the commit from the clone above the
running executable; when that file had been replaced by a rebuild (/proc/self/exe then ends in
" (deleted)"), it fell back to the clone in the working directory (/work/main) and recorded that
clone's HEAD instead. For every level invocation, the binary that ran is the one of the chain's
own lottery invocation active at the level's date (the latest top-level invocation not after it).
This script adds a line `corrected commit: X (...)` after each wrong `commit:` line; the original
line stays. Idempotent. Usage: python3 provenance_correction.py [ROOT] (default: this folder).
"""
import os, re, sys

root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
SEP = "\n--- earlier invocation of this folder ---\n"

def blocks(text):
    return text.split(SEP)

def field(block, key):
    m = re.search(r"^%s: (.*)$" % key, block, re.M)
    return m.group(1) if m else None

fixed = 0
for chain in sorted(os.listdir(root)):
    top = os.path.join(root, chain, "command.txt")
    if not os.path.isfile(os.path.join(root, chain, "lottery.json")) or not os.path.isfile(top):
        continue
    runs = sorted((field(b, "date"), field(b, "commit").split()[0]) for b in blocks(open(top).read()) if field(b, "date"))
    for dirpath, _, files in os.walk(os.path.join(root, chain)):
        if dirpath == os.path.join(root, chain) or "command.txt" not in files:
            continue
        path = os.path.join(dirpath, "command.txt")
        out = []
        changed = False
        for b in blocks(open(path).read()):
            date, commit = field(b, "date"), field(b, "commit")
            active = [c for d, c in runs if d <= date] if date else []
            if commit and active and commit.split()[0] != active[-1] and "corrected commit:" not in b:
                note = ("corrected commit: %s (the binary of this chain's lottery process, started before this level; the line "
                        "above was read from the working directory's clone after that binary file had been replaced by a rebuild)" % active[-1])
                b = re.sub(r"^(commit: .*)$", lambda m: m.group(1) + "\n" + note, b, count=1, flags=re.M)
                changed = True
                fixed += 1
            out.append(b)
        if changed:
            open(path, "w").write(SEP.join(out))
print("corrected %d level invocations under %s" % (fixed, root))
