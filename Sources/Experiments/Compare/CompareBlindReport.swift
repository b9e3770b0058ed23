import Foundation
import Stats

/// The report of a pre-registered comparison (a config with "analysis") while some of its runs
/// are not complete: progress only, no arm's accuracy or loss, no difference, no test, no plot.
///
/// Looking at interim results invites stopping, extending or re-declaring a study by what it
/// shows; the protocol of the regularisation study forbids it ("no test is run at the
/// interim"), and a report rewritten at every interruption would break that rule by accident.
/// The one interim number shown is the one a declared `SeedExtensionRule` needs — the standard
/// deviation of one contrast's per-seed differences, never their mean — with the rule's
/// decision. Files of an earlier full report (tables, plots) are removed, so nothing in the
/// folder shows interim results. `masklab compare --report-only --unblind` writes the full
/// report anyway, marked as an unblinded interim.
enum CompareBlindReport {
    /// Writes REPORT.md for `compare` from `curves` (per arm, the runs with metrics) when the
    /// runs `completed` are done and `incomplete` describes the others.
    static func write(_ compare: CompareConfig, layout: CompareLayout, curves: [(arm: String, runs: [RunCurve])],
                      completed: Set<String>, incomplete: [String]) throws(CompareError) {
        let stale = [layout.paired, layout.summary, layout.welch, layout.epochs, layout.accuracyPlot, layout.lossPlot]
            + compare.arms.map { layout.histogramPlot(arm: $0.name) }
        for url in stale where FileManager.default.fileExists(atPath: url.path) {
            do { try FileManager.default.removeItem(at: url) } catch {
                throw .output(path: url.path, message: "cannot remove the earlier report file (a blinded report must not leave interim results behind): \(error.localizedDescription)")
            }
        }
        let text = markdown(compare, curves: curves, completed: completed, incomplete: incomplete)
        try CompareReport.save(text, layout.report)
    }

    /// The key of run (`arm`, `seed`) in `completed`.
    static func key(_ arm: String, _ seed: UInt64) -> String { "\(arm)/\(seed)" }

    static func markdown(_ compare: CompareConfig, curves: [(arm: String, runs: [RunCurve])],
                         completed: Set<String>, incomplete: [String]) -> String {
        let total = compare.arms.count * compare.seeds.count
        var s = "# Comparison `\(compare.name)`: blinded interim (\(completed.count) of \(total) runs complete)\n\n"
        s += "This comparison declares a primary analysis (config key \"analysis\"), so until every run is complete its report "
        s += "shows no arm's accuracy or loss, no difference, no test and no plot: decisions to stop, extend or re-declare the "
        s += "study must not depend on interim results. `masklab compare CONFIG --report-only --unblind` writes the full report "
        s += "anyway and marks it as an unblinded interim.\n\n"
        s += "## Progress\n\n| arm | complete | not complete |\n|---|---|---|\n"
        for arm in compare.arms {
            let done = compare.seeds.filter { completed.contains(key(arm.name, $0)) }
            let open = compare.seeds.filter { !completed.contains(key(arm.name, $0)) }
            s += "| \(arm.name) | \(done.isEmpty ? "–" : done.map(String.init).joined(separator: ", ")) | "
            s += "\(open.isEmpty ? "–" : open.map(String.init).joined(separator: ", ")) |\n"
        }
        s += "\n**Runs not complete:**\n\n" + incomplete.map { "- \($0)" }.joined(separator: "\n") + "\n\n"
        if let analysis = compare.analysis, let rule = analysis.seedExtension {
            s += "## Seed-extension rule (declared in the config)\n\n"
            s += extensionText(compare, analysis: analysis, rule: rule, curves: curves, completed: completed) + "\n"
        }
        return s
    }

    /// The rule, and its decision once the first `afterSeeds` seeds of every arm are complete.
    static func extensionText(_ compare: CompareConfig, analysis: CompareAnalysis, rule: SeedExtensionRule,
                              curves: [(arm: String, runs: [RunCurve])], completed: Set<String>) -> String {
        let contrast = analysis.contrasts[rule.contrast], endpoint = analysis.endpoints[rule.endpoint]
        let interim = Array(compare.seeds.prefix(rule.afterSeeds))
        let m = analysis.contrasts.count
        var s = "After seeds \(interim.map(String.init).joined(separator: ", ")) of every arm: σ_d, the standard deviation of the "
        s += "per-seed differences `\(contrast.label)` at \(endpoint.label), gives the smallest difference the paired t-test "
        s += "detects with 80% power at α = 0.05/\(m) with the \(compare.seeds.count) planned seeds; if it exceeds "
        s += "\(String(format: "%g", rule.targetEffect)), the study extends to the smallest seed count ≤ \(rule.maxSeeds) that "
        s += "brings it there (or to \(rule.maxSeeds)). Only σ_d is computed, never the mean difference.\n\n"
        let waiting = compare.arms.flatMap { arm in interim.filter { !completed.contains(key(arm.name, $0)) }.map { "\(arm.name)/seed-\($0)" } }
        guard waiting.isEmpty else {
            return s + "**Not yet applicable:** waiting for \(waiting.joined(separator: ", ")).\n"
        }
        let final = CompareReport.finalEpoch(compare)
        func run(_ arm: String, _ seed: UInt64) -> RunCurve? { curves.first { $0.arm == arm }?.runs.first { $0.seed == seed } }
        let differences = interim.compactMap { seed -> Double? in
            guard let a = run(contrast.first, seed).flatMap({ endpoint.value($0, finalEpoch: final) }),
                  let b = run(contrast.second, seed).flatMap({ endpoint.value($0, finalEpoch: final) }) else { return nil }
            return a - b
        }
        guard let d = rule.decide(differences: differences, planned: compare.seeds.count, contrasts: m) else {
            return s + "**Cannot be applied:** fewer than 2 of the interim seeds have \(endpoint.label) in both arms.\n"
        }
        s += String(format: "**Applied:** σ_d = %.4g over %d seeds; with %d seeds the smallest detectable difference is %.4g ",
                    d.sd, d.pairs, compare.seeds.count, d.detectableAtPlanned)
        if d.seeds == compare.seeds.count {
            s += String(format: "(target %g): **no extension**, the study keeps its %d seeds.\n", rule.targetEffect, d.seeds)
        } else {
            s += String(format: "(target %g): **extend to %d seeds** (detectable then: %.4g). Add %d seeds to \"seeds\" in the config and run the same command again.\n",
                        rule.targetEffect, d.seeds, d.detectableAtDecided, d.seeds - compare.seeds.count)
        }
        return s
    }
}
