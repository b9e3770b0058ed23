import Foundation

/// Where a comparison's runs ran: the commit, machine and BLAS line of each run's `command.txt`,
/// grouped by its latest invocation, and the seeds whose runs ran on more than one machine or
/// kernel set in any invocation (a run resumed on another machine mixes them too).
///
/// Results are bit-identical only for the same CPU model and OpenBLAS kernel set (README, "kernel
/// set"), so a study whose runs span machines says so next to its numbers: a paired difference of
/// a seed whose arms ran on different machines includes that difference.
struct CompareRunOrigins {
    /// One origin ("commit X · machine Y · blas Z") → the runs ("arm/seed") that record it, in order.
    var runs: [(origin: String, runs: [String])] = []
    /// Seeds whose arms record more than one CPU + BLAS line.
    var mixedSeeds: [UInt64] = []
    /// The distinct CPUs + BLAS lines (`RunOrigin.hardware`: the machine line without its `uname`
    /// part, since VMs of one CPU model run different kernel builds).
    var kinds = Set<String>()

    /// Reads `command.txt` of every run of `compare` in `layout` (runs without one are left out).
    init(_ compare: CompareConfig, layout: CompareLayout) {
        var order: [String] = [], byOrigin: [String: [String]] = [:]
        for seed in compare.seeds {
            var machines = Set<String>()
            for arm in compare.arms {
                guard let text = try? String(contentsOf: layout.run(arm: arm.name, seed: seed).command, encoding: .utf8) else { continue }
                // The latest invocation (a resumed run puts its own above the earlier ones).
                let o = RunOrigin(invocation: RunFolder.latestInvocation(text))
                let origin = "commit \(o.commit) · \(o.machine) · \(o.blas)"
                if byOrigin[origin] == nil { order.append(origin) }
                byOrigin[origin, default: []].append("\(arm.name)/\(seed)")
                // Every invocation counts for the mix: a run resumed on another machine mixes them itself.
                for h in RunOrigin.hardwares(text) {
                    machines.insert(h)
                    kinds.insert(h)
                }
            }
            if machines.count > 1 { mixedSeeds.append(seed) }
        }
        runs = order.map { ($0, byOrigin[$0] ?? []) }
    }

    /// The report's paragraph, "" when no run has a `command.txt`.
    var markdown: String {
        guard !runs.isEmpty else { return "" }
        var s = "The runs' own `command.txt` files record (runs as arm/seed):\n\n"
        s += runs.map { "- \($0.origin): \($0.runs.joined(separator: ", "))" }.joined(separator: "\n") + "\n\n"
        if kinds.count > 1 {
            s += "**The runs span \(kinds.count) CPU models or BLAS kernel sets.** Bits are reproducible only on the same CPU model and kernel set"
            s += mixedSeeds.isEmpty
                ? "; every seed's arms ran on one of them, so each paired difference compares runs of one machine.\n\n"
                : "; the arms of seed\(mixedSeeds.count > 1 ? "s" : "") \(mixedSeeds.map(String.init).joined(separator: ", ")) ran on more than one, so their paired differences include that difference.\n\n"
        }
        return s
    }
}
