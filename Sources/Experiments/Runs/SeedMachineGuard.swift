import Foundation

/// Keeps each seed's runs of a paired study on one machine: before a study trains anything here,
/// it finds the seeds whose runs would otherwise mix CPU models or OpenBLAS kernel sets.
///
/// `compare` pairs its arms by seed, and `prune-sweep` its criteria and ratios (every cell of a
/// seed prunes that seed's dense run). A paired difference is only as clean as its two runs are
/// alike, and bits match only on one CPU model and kernel set (README, "kernel set"). When study F
/// moved machines part-way, seed 1's `baseline` and `dropconnect` had run on the Xeon and its other
/// arms then trained on the EPYC. Trained again on the EPYC, those two runs' final accuracy moved by
/// −0.41 and +0.13 points, about the size of the contrast studied, and the primary verdict changed
/// (`results/study-f-seed1-same-machine`). So a seed that would end up mixed is refused up front,
/// unless the user allows it (`--allow-mixed-machines`).
///
/// A seed conflicts when at least one of its runs would train here (it is pending: not started,
/// or partial and resuming) and at least one invocation of any of its runs, finished or not, ran on
/// another CPU model or kernel set (`RunOrigin.hardwares`). A partial run started elsewhere
/// conflicts on its own, since resuming it here would mix machines inside the run; one stopped
/// there before its first checkpoint trains from the start here, so its own record does not count.
/// A run folder with a checkpoint but no `command.txt` (copied by hand) counts as another machine.
public enum SeedMachineGuard {
    /// One run of a seed: its name in messages (an arm, a cell) and its folder.
    public struct Run: Sendable {
        public var label: String
        public var layout: RunLayout
        public init(label: String, layout: RunLayout) { (self.label, self.layout) = (label, layout) }
    }

    /// One seed that would mix machines.
    public struct Conflict: Equatable, Sendable {
        public var seed: UInt64
        /// The runs that ran elsewhere, with each other machine (CPU model · BLAS line).
        public var elsewhere: [(run: String, hardware: String)]
        /// The runs that would train here.
        public var here: [String]

        public static func == (a: Conflict, b: Conflict) -> Bool {
            a.seed == b.seed && a.here == b.here && a.elsewhere.map(\.run) == b.elsewhere.map(\.run)
                && a.elsewhere.map(\.hardware) == b.elsewhere.map(\.hardware)
        }
    }

    /// The seeds (each with all its runs, finished or not) that would mix machines if the runs in
    /// `pending` (run folders) trained on a machine of `hardware` (`RunOrigin.currentHardware`), in
    /// the order given.
    public static func conflicts(_ seeds: [(seed: UInt64, runs: [Run])], pending: [URL], hardware: String) -> [Conflict] {
        let pendingPaths = Set(pending.map { $0.standardizedFileURL.path })
        var out: [Conflict] = []
        for (seed, runs) in seeds {
            var here: [String] = [], elsewhere: [(run: String, hardware: String)] = []
            for run in runs {
                let isPending = pendingPaths.contains(run.layout.directory.standardizedFileURL.path)
                if isPending { here.append(run.label) }
                let hasCheckpoint = FileManager.default.fileExists(atPath: run.layout.checkpoint.path)
                guard let text = try? String(contentsOf: run.layout.command, encoding: .utf8) else {
                    if hasCheckpoint { elsewhere.append((run.label, "an unknown machine (a checkpoint without command.txt)")) }
                    continue
                }
                if isPending && !hasCheckpoint { continue }   // it starts from scratch here
                for other in RunOrigin.hardwares(text) where other != hardware { elsewhere.append((run.label, other)) }
            }
            if !here.isEmpty && !elsewhere.isEmpty { out.append(Conflict(seed: seed, elsewhere: elsewhere, here: here)) }
        }
        return out
    }

    /// The refusal's text for `conflicts` (non-empty) in the study at `path`.
    public static func message(_ conflicts: [Conflict], path: String, hardware: String) -> String {
        var s = "\(path): training here would mix machines within a seed, and a paired difference would then compare runs of two machines.\n"
        for c in conflicts {
            let others = Dictionary(grouping: c.elsewhere, by: \.hardware)
            let ran = others.keys.sorted().map { h in "\(others[h, default: []].map(\.run).joined(separator: ", ")) ran on \(h)" }
            s += "  seed \(c.seed): \(ran.joined(separator: "; ")); \(c.here.joined(separator: ", ")) would train here on \(hardware).\n"
        }
        s += "Bits match only on one CPU model and OpenBLAS kernel set, and one run's final accuracy moved by 0.1–0.4 points between two machines "
        s += "in study F (results/study-f-seed1-same-machine). To keep each seed on one machine, move the runs that ran elsewhere out of runs/ "
        s += "(they will train again here), or finish the study on that machine. --allow-mixed-machines goes on anyway; the report then names the mixed seeds."
        // The AVX-512 kernel choices `RunOrigin.hardware` names: how to match the other runs when only they differ.
        let switches = [(mark: "fused Winograd", what: "narrow-layer Winograd", variable: "MASKLAB_FUSED_WINOGRAD", other: "chunked", kind: "fused"),
                        (mark: "direct stride 2", what: "stride-2 convolution", variable: "MASKLAB_DIRECT_STRIDED", other: "im2col", kind: "direct")]
        for k in switches {
            let here = hardware.contains(" · " + k.mark)
            if here != conflicts.contains(where: { $0.elsewhere.contains { $0.hardware.contains(" · " + k.mark) } }) {
                s += "\nThe \(k.what) kernels differ (\"\(k.mark)\" above): "
                s += here ? "\(k.variable)=0 runs the \(k.other) kernels the other runs used."
                    : "the other runs used the \(k.kind) AVX-512 kernels, which this machine or setting does not run."
            }
        }
        return s
    }
}
