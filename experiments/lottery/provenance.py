"""The code and machines behind a set of lottery folders, from their runs' command.txt files (a
helper of conv_tickets_report.py and transfer_report.py; standard library only).

A run folder's command.txt holds one block per invocation, the latest first, earlier ones after a
line "--- earlier invocation of this folder ---" (a level resumed from its checkpoint, or a chain
started again). Each block names the commit of the binary (`commit:`; a later `corrected commit:`
line, added where the recorded one was wrong, takes its place) and the machine and BLAS. A level
that ran in several invocations ran partly on each binary.
"""
import os
import re

SEPARATOR = "--- earlier invocation of this folder ---"


def invocations(path):
    """[(commit, machine, blas)] of one command.txt, oldest first; commit is the corrected one if any."""
    with open(path, encoding="utf-8") as f:
        blocks = f.read().split(SEPARATOR)
    out = []
    for block in blocks:
        fields = {}
        for line in block.splitlines():
            m = re.match(r"^(corrected commit|commit|machine|blas): (.*)$", line)
            if m and m.group(1) not in fields:
                fields[m.group(1)] = m.group(2).strip()
        commit = fields.get("corrected commit") or fields.get("commit")
        if commit:
            # "f529a297011f (the binary of …)" → the hash and its flags, without the explanation.
            commit = re.sub(r" \(the binary of.*$", "", commit)
            out.append((commit, fields.get("machine", "?"), fields.get("blas", "?")))
    return list(reversed(out))


def training_folders(chain):
    """Every level and branch folder of a lottery chain that trained (has a command.txt)."""
    found = []
    for level in sorted(os.listdir(chain)):
        path = os.path.join(chain, level)
        if not (level.startswith("level_") and os.path.isdir(path)):
            continue
        for sub in [path] + [os.path.join(path, b) for b in sorted(os.listdir(path))]:
            if os.path.isdir(sub) and os.path.exists(os.path.join(sub, "command.txt")):
                found.append(sub)
    return found


def summary(chains, root):
    """Markdown lines: per commit, how many trainings ran on it (wholly or in part) and where; then
    the machines and BLAS builds. `chains` are lottery folders; paths are shown relative to `root`."""
    by_commit, machines = {}, {}
    for chain in chains:
        for folder in training_folders(chain):
            runs = invocations(os.path.join(folder, "command.txt"))
            for commit, machine, blas in runs:
                by_commit.setdefault(commit, set()).add(os.path.relpath(folder, root))
                machines.setdefault((machine, blas), set()).add(os.path.relpath(folder, root))
    if not by_commit:
        return ["No training has recorded its provenance yet.", ""]
    lines = ["Commits of the binaries that trained these levels (from each level's and branch's `command.txt`; "
             "a level resumed on another binary counts under both; `corrected commit:` lines take the place "
             "of the line they correct):", "",
             "| commit | trainings |", "|---|---:|"]
    for commit, folders in sorted(by_commit.items(), key=lambda kv: -len(kv[1])):
        lines.append(f"| `{commit}` | {len(folders)} |")
    lines += ["", "Machines and BLAS builds:", ""]
    for (machine, blas), folders in sorted(machines.items(), key=lambda kv: -len(kv[1])):
        lines.append(f"- {machine}; {blas} ({len(folders)} trainings)")
    lines.append("")
    return lines
