"""The code and machines behind a set of lottery folders, from their runs' command.txt files (a
helper of conv_tickets_report.py and transfer_report.py; standard library only).

A run folder's command.txt holds one block per invocation, the latest first, earlier ones after a
line "--- earlier invocation of this folder ---" (a level resumed from its checkpoint, or a chain
started again). Each block names the commit of the binary (`commit:`; a later `corrected commit:`
line, added where the recorded one was wrong, takes its place) and the machine and BLAS. A level
with several invocations was started on one binary and resumed on another (possibly after a
single step, when a stop arrived as it began).
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
    """(finished, in progress): the level and branch folders of a lottery chain that have started
    training (a command.txt), split by whether their training has ended (a level.json)."""
    finished, running = [], []
    for level in sorted(os.listdir(chain)):
        path = os.path.join(chain, level)
        if not (level.startswith("level_") and os.path.isdir(path)):
            continue
        for sub in [path] + [os.path.join(path, b) for b in sorted(os.listdir(path))]:
            if os.path.isdir(sub) and os.path.exists(os.path.join(sub, "command.txt")):
                (finished if os.path.exists(os.path.join(sub, "level.json")) else running).append(sub)
    return finished, running


def summary(chains, root):
    """Markdown lines: per commit, how many trainings ran on it (wholly or in part) and where; then
    the machines and BLAS builds. `chains` are lottery folders; paths are shown relative to `root`."""
    by_commit, machines, running, total = {}, {}, 0, 0
    for chain in chains:
        finished, unfinished = training_folders(chain)
        running += len(unfinished)
        total += len(finished)
        for folder in finished:
            runs = invocations(os.path.join(folder, "command.txt"))
            for commit, machine, blas in runs:
                by_commit.setdefault(commit, set()).add(os.path.relpath(folder, root))
                machines.setdefault((machine, blas), set()).add(os.path.relpath(folder, root))
    def n(k):
        return f"{k} training" + ("" if k == 1 else "s")
    if not by_commit:
        return ["No training has finished yet" + (f" ({n(running)} in progress)." if running else "."), ""]
    lines = [f"{n(total)} finished" + (f", {n(running)} in progress (not counted)" if running else "") + ". "
             "Commits of the binaries that trained them (from each level's and branch's `command.txt`; "
             "a level resumed on another binary counts under both; `corrected commit:` lines take the place "
             "of the line they correct):", "",
             "| commit | trainings |", "|---|---:|"]
    for commit, folders in sorted(by_commit.items(), key=lambda kv: -len(kv[1])):
        lines.append(f"| `{commit}` | {len(folders)} |")
    lines += ["", "Machines and BLAS builds:", ""]
    for (machine, blas), folders in sorted(machines.items(), key=lambda kv: -len(kv[1])):
        lines.append(f"- {machine}; {blas} ({n(len(folders))})")
    lines.append("")
    return lines
