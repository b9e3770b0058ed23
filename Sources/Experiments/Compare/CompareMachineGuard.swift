import Foundation

/// Keeps each seed's arms on one machine: before a comparison trains anything here, it finds the
/// seeds whose runs would otherwise mix CPU models or OpenBLAS kernel sets.
///
/// A comparison is paired by seed, and a paired difference is only as clean as its two runs are
/// alike. Bits match only on one CPU model and kernel set (README, "kernel set"). When study F
/// moved machines part-way, seed 1's `baseline` and `dropconnect` had run on the Xeon and its
/// other arms then trained on the EPYC. Trained again on the EPYC, those two runs' final accuracy
/// moved by −0.41 and +0.13 points, about the size of the contrast studied, and the primary
/// verdict changed (`results/study-f-seed1-same-machine`). So a seed that would end up mixed is
/// refused up front (`CompareError.mixedMachines`), unless the user allows it.
///
/// A seed conflicts when at least one of its runs would train here (it is pending: not started,
/// or partial and resuming) and at least one invocation of any of its runs, finished or not, ran on
/// another CPU model or kernel set (`RunOrigin.hardwares`). A partial run started elsewhere
/// conflicts on its own, since resuming it here would mix machines inside the run; one stopped
/// there before its first checkpoint trains from the start here, so its own record does not count.
/// A run folder with a checkpoint but no `command.txt` (copied by hand) counts as another machine.
struct CompareMachineGuard {
    /// One seed that would mix machines.
    struct Conflict: Equatable, Sendable {
        var seed: UInt64
        /// The runs ("arm" names) that ran elsewhere, with each other machine (CPU model · BLAS line).
        var elsewhere: [(arm: String, hardware: String)]
        /// The arms that would train here.
        var here: [String]

        static func == (a: Conflict, b: Conflict) -> Bool {
            a.seed == b.seed && a.here == b.here && a.elsewhere.map(\.arm) == b.elsewhere.map(\.arm)
                && a.elsewhere.map(\.hardware) == b.elsewhere.map(\.hardware)
        }
    }

    /// The seeds of `compare` in `layout` that would mix machines if the runs in `pending` (run
    /// folders) trained on a machine of `hardware` (`RunOrigin.currentHardware`), in seed order.
    static func conflicts(_ compare: CompareConfig, layout: CompareLayout, pending: [URL], hardware: String) -> [Conflict] {
        let pendingPaths = Set(pending.map { $0.standardizedFileURL.path })
        var out: [Conflict] = []
        for seed in compare.seeds {
            var here: [String] = [], elsewhere: [(arm: String, hardware: String)] = []
            for arm in compare.arms {
                let run = layout.run(arm: arm.name, seed: seed)
                let isPending = pendingPaths.contains(run.directory.standardizedFileURL.path)
                if isPending { here.append(arm.name) }
                let hasCheckpoint = FileManager.default.fileExists(atPath: run.checkpoint.path)
                guard let text = try? String(contentsOf: run.command, encoding: .utf8) else {
                    if hasCheckpoint { elsewhere.append((arm.name, "an unknown machine (a checkpoint without command.txt)")) }
                    continue
                }
                if isPending && !hasCheckpoint { continue }   // it starts from scratch here
                for other in RunOrigin.hardwares(text) where other != hardware { elsewhere.append((arm.name, other)) }
            }
            if !here.isEmpty && !elsewhere.isEmpty { out.append(Conflict(seed: seed, elsewhere: elsewhere, here: here)) }
        }
        return out
    }

    /// The refusal's text for `conflicts` (non-empty) in the comparison at `path`.
    static func message(_ conflicts: [Conflict], path: String, hardware: String) -> String {
        var s = "\(path): training here would mix machines within a seed, and a paired difference would then compare runs of two machines.\n"
        for c in conflicts {
            let others = Dictionary(grouping: c.elsewhere, by: \.hardware)
            let ran = others.keys.sorted().map { h in "\(others[h, default: []].map(\.arm).joined(separator: ", ")) ran on \(h)" }
            s += "  seed \(c.seed): \(ran.joined(separator: "; ")); \(c.here.joined(separator: ", ")) would train here on \(hardware).\n"
        }
        s += "Bits match only on one CPU model and OpenBLAS kernel set, and one run's final accuracy moved by 0.1–0.4 points between two machines "
        s += "in study F (results/study-f-seed1-same-machine). To keep each seed on one machine, move the runs that ran elsewhere out of runs/ "
        s += "(they will train again here), or finish the study on that machine. --allow-mixed-machines goes on anyway; the report then names the mixed seeds."
        return s
    }
}
