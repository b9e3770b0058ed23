#!/usr/bin/env python3
"""The table of issue 15 item 3 from `solver-movement.sh`'s folders: per state and setting, over the
16 masked tensors, how far the importance solver moved w from its g² start and what it did to φ.

Usage: python3 experiments/regularisation-study/solver_movement_table.py results/solver-movement > results/solver-movement/README.md
"""
import math
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import report_input  # noqa: E402  (experiments/report_input.py)

SETTINGS = [
    ("default", "joint, fixed steps, η 0.05 on the rms-normalised ∇φ, 100 steps, γ 0.05"),
    ("study", "joint, backtracking (η ≤ 0.05), rms, 100 steps, γ 0.05 (the studies' solver; in training γ is the learning rate at the refresh)"),
    ("seed", "per-layer, fixed η 1 on the raw ∇φ (no normalisation), 400 steps per tensor, γ 0.01 (the seed's code)"),
]
STATES = [("final", "study F `impacts` seed 5 after 25 epochs"), ("start", "the same seed after one training step")]


COLUMNS = ("kl_from_start", "phi_solve_before", "phi_solve_after", "phi_heldout_before", "phi_heldout_after",
           "share_p1", "share_pmin", "rejected_steps")


def rows(folder):
    return report_input.read_csv(os.path.join(folder, "stats.csv"),
                                 "the stats.csv that `masklab importance` writes (one row per masked tensor)", COLUMNS)


def num(r, k):
    return r.number(k, empty=math.nan)


def main(root):
    expected = "the folder solver-movement.sh writes (final-default, …, start-seed, each with stats.csv)"
    report_input.folder(root, expected)
    if not any(os.path.isdir(os.path.join(root, f"{st}-{se}")) for st, _ in STATES for se, _ in SETTINGS):
        raise report_input.ReportInputError(f"{root}: none of the folders final-default … start-seed; expected {expected}")
    print("# How far the importance solver moves w (issue 15, item 3)\n")
    print("Written by `experiments/regularisation-study/solver-movement.sh` and `solver_movement_table.py`;")
    print("each folder's `command.txt` names the commit, machine and the exact solver settings.")
    print("ResNet-18 width 16 on CIFAR-10, the 16 masked tensors of study F's scope (first conv, shortcuts")
    print("and the last layer dense), one solve batch of 128 and one held-out batch, λ = 0, keep 0.2.")
    print("KL(w‖w₀) is per tensor (mean and range over the 16); φ = L(x − γ·w⊙g) on the solve batch and on")
    print("the held-out batch (a joint solve shifts every tensor, so its φ is one number; a per-layer solve")
    print("shifts its tensor alone: mean over tensors); shares of weights at p = 1 and p_min as the sampler")
    print("would draw them (keep 0.2, p_min 0.01).\n")
    print("| state | setting | KL(w‖w₀) mean [min, max] | φ solve: before → after | φ held-out: before → after | tensors where held-out φ rose | share at p = 1 | share at p_min | rejected trial steps (most in one tensor's solve) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for state, _ in STATES:
        for setting, _ in SETTINGS:
            folder = os.path.join(root, f"{state}-{setting}")
            if not os.path.exists(os.path.join(folder, "stats.csv")):
                print(f"| {state} | {setting} | (not run) | | | | | | |")
                continue
            r = rows(folder)
            if not r:
                raise report_input.ReportInputError(f"{os.path.join(folder, 'stats.csv')}: no rows; expected one per masked tensor")
            kl = [num(x, "kl_from_start") for x in r]
            m = lambda k: statistics.mean(num(x, k) for x in r)
            rose = sum(1 for x in r if num(x, "phi_heldout_after") > num(x, "phi_heldout_before"))
            print(f"| {state} | {setting} | {statistics.mean(kl):.4g} [{min(kl):.3g}, {max(kl):.3g}] | "
                  f"{m('phi_solve_before'):.4f} → {m('phi_solve_after'):.4f} | {m('phi_heldout_before'):.4f} → {m('phi_heldout_after'):.4f} | "
                  f"{rose} of {len(r)} | {m('share_p1'):.4f} | {m('share_pmin'):.4f} | {max(x.integer('rejected_steps') for x in r)} |")
    print("\nStates: " + "; ".join(f"`{s}` = {d}" for s, d in STATES) + ".")
    print("Settings: " + "; ".join(f"`{s}` = {d}" for s, d in SETTINGS) + ".")


if __name__ == "__main__":
    report_input.run(main, __doc__, 1, default=["results/solver-movement"])
