import Foundation
import Stats

/// The report of a pre-registered comparison (a config with "analysis") while some of its runs
/// have not ended: progress only, no arm's accuracy or loss, no difference, no test, no plot.
///
/// Looking at interim results invites stopping, extending or re-declaring a study by what it
/// shows; the protocol of the regularisation study forbids it ("no test is run at the
/// interim"), and a report rewritten at every interruption would break that rule by accident.
/// The one interim number shown is the one a declared `SeedExtensionRule` needs — the standard
/// deviation of one contrast's per-seed differences, never their mean — with the rule's
/// decision. The tables and plots of an earlier full report are removed. (The run folders
/// themselves still hold every run's metrics: the blinding is of the comparison, for the people
/// who run it, not a lock.) A run has ended when it completed or diverged (non-finite loss);
/// the full report is written once every run has ended.
enum CompareBlindReport {
    /// Writes REPORT.md for `compare`: `ended` holds `key(arm, seed)` of the runs that ended,
    /// `open` a description of each other run that reveals no metric.
    static func write(_ compare: CompareConfig, layout: CompareLayout, curves: [(arm: String, runs: [RunCurve])],
                      ended: Set<String>, open: [String]) throws(CompareError) {
        let stale = [layout.paired, layout.pairedPlot, layout.exploratoryPairedPlot, layout.summary, layout.welch, layout.epochs, layout.accuracyPlot, layout.pairedAccuracyPlot, layout.lossPlot]
            + compare.arms.map { layout.histogramPlot(arm: $0.name) }
        for url in stale { try CompareReport.remove(url, why: "a blinded report must not leave interim results behind") }
        try CompareReport.save(markdown(compare, curves: curves, ended: ended, open: open), layout.report)
    }

    /// The key of run (`arm`, `seed`) in `ended`.
    static func key(_ arm: String, _ seed: UInt64) -> String { "\(arm)/\(seed)" }

    static func markdown(_ compare: CompareConfig, curves: [(arm: String, runs: [RunCurve])], ended: Set<String>, open: [String]) -> String {
        let total = compare.arms.count * compare.seeds.count
        var s = "# Comparison `\(compare.name)`: blinded interim (\(ended.count) of \(total) runs ended)\n\n"
        s += "This comparison declares a primary analysis (config key \"analysis\"), so until every run has ended its report "
        s += "shows no arm's accuracy or loss, no difference, no test and no plot: decisions to stop, extend or re-declare the "
        s += "study must not depend on interim results. `masklab compare CONFIG --report-only --unblind` writes the full report "
        s += "anyway and marks it as an unblinded interim.\n\n"
        s += "## Progress\n\n| arm | runs ended | seeds ended | seeds not ended |\n|---|---:|---|---|\n"
        for arm in compare.arms {
            let done = compare.seeds.filter { ended.contains(key(arm.name, $0)) }
            let rest = compare.seeds.filter { !ended.contains(key(arm.name, $0)) }
            s += "| \(arm.name) | \(done.count) of \(compare.seeds.count) | \(done.isEmpty ? "–" : done.map(String.init).joined(separator: ", ")) | "
            s += "\(rest.isEmpty ? "–" : rest.map(String.init).joined(separator: ", ")) |\n"
        }
        if open.isEmpty, let wanted = missingSeeds(compare, curves: curves, ended: ended) {
            s += "\n**Every run of the config has ended, but the declared study has not:** its seed-extension rule asks for \(wanted) "
            s += "seeds and the config holds \(compare.seeds.count). The report stays blinded until the added seeds end (below).\n\n"
        } else {
            s += "\n**Runs not ended:**\n\n" + open.map { "- \($0)" }.joined(separator: "\n") + "\n\n"
        }
        if let analysis = compare.analysis, let rule = analysis.seedExtension {
            s += "## Seed-extension rule (declared in the config)\n\n"
            s += extensionText(compare, analysis: analysis, rule: rule, curves: curves, ended: ended) + "\n"
        }
        return s
    }

    /// The declared rule's decision from the first `afterSeeds` seeds' per-seed differences (σ_d
    /// only), or nil without a rule or with fewer than 2 finite differences. The caller knows
    /// whether those seeds have ended.
    static func decision(_ compare: CompareConfig, analysis: CompareAnalysis, rule: SeedExtensionRule,
                         curves: [(arm: String, runs: [RunCurve])]) -> SeedExtensionRule.Decision? {
        let contrast = analysis.contrasts[rule.contrast], endpoint = analysis.endpoints[rule.endpoint]
        let final = CompareReport.finalEpoch(compare)
        func run(_ arm: String, _ seed: UInt64) -> RunCurve? { curves.first { $0.arm == arm }?.runs.first { $0.seed == seed } }
        let differences = compare.seeds.prefix(rule.afterSeeds).compactMap { seed -> Double? in
            guard let a = run(contrast.first, seed).flatMap({ endpoint.value($0, finalEpoch: final) }),
                  let b = run(contrast.second, seed).flatMap({ endpoint.value($0, finalEpoch: final) }) else { return nil }
            return a - b
        }
        return rule.decide(differences: differences, contrasts: analysis.contrasts.count)
    }

    /// The seeds the declared rule asks for when it asks for more than the config holds (every
    /// run of the config may have ended, yet the declared study has not), else nil.
    static func missingSeeds(_ compare: CompareConfig, curves: [(arm: String, runs: [RunCurve])], ended: Set<String>) -> Int? {
        guard let analysis = compare.analysis, let rule = analysis.seedExtension else { return nil }
        let interim = compare.seeds.prefix(rule.afterSeeds)
        guard compare.arms.allSatisfy({ arm in interim.allSatisfy { ended.contains(key(arm.name, $0)) } }),
              let d = decision(compare, analysis: analysis, rule: rule, curves: curves), d.seeds > compare.seeds.count else { return nil }
        return d.seeds
    }

    /// The rule, and its decision once the first `afterSeeds` seeds of every arm have ended,
    /// set against the seeds the config holds now.
    static func extensionText(_ compare: CompareConfig, analysis: CompareAnalysis, rule: SeedExtensionRule,
                              curves: [(arm: String, runs: [RunCurve])], ended: Set<String>) -> String {
        let contrast = analysis.contrasts[rule.contrast], endpoint = analysis.endpoints[rule.endpoint]
        let interim = Array(compare.seeds.prefix(rule.afterSeeds))
        let m = analysis.contrasts.count
        var s = "After seeds \(interim.map(String.init).joined(separator: ", ")) of every arm: σ_d, the standard deviation of the "
        s += "per-seed differences `\(contrast.label)` at \(endpoint.label), gives the smallest difference the paired t-test "
        s += "detects with 80% power at α = 0.05/\(m) with the \(rule.plannedSeeds) planned seeds; if it exceeds "
        s += "\(String(format: "%g", rule.targetEffect)), the study extends to the smallest seed count ≤ \(rule.maxSeeds) that "
        s += "brings it there (or to \(rule.maxSeeds)). Only σ_d is computed, never the mean difference.\n\n"
        let waiting = compare.arms.flatMap { arm in interim.filter { !ended.contains(key(arm.name, $0)) }.map { "\(arm.name)/seed-\($0)" } }
        guard waiting.isEmpty else {
            return s + "**Not yet applicable:** waiting for \(waiting.joined(separator: ", ")).\n"
        }
        guard let d = decision(compare, analysis: analysis, rule: rule, curves: curves) else {
            return s + "**Cannot be applied:** fewer than 2 of the interim seeds have a finite \(endpoint.label) in both arms.\n"
        }
        s += String(format: "**Applied:** σ_d = %.4g over %d seeds; with the %d planned seeds the smallest detectable difference is %.4g (target %g): ",
                    d.sd, d.pairs, rule.plannedSeeds, d.detectableAtPlanned, rule.targetEffect)
        if d.seeds == rule.plannedSeeds {
            s += d.reachesTarget ? "**no extension** (\(rule.plannedSeeds) seeds)."
                : "**no extension possible** (maxSeeds = the planned \(rule.plannedSeeds)): the target is not reached."
        } else {
            s += String(format: "**extend to %d seeds** (detectable then: %.4g%@).", d.seeds, d.detectableAtDecided,
                        d.reachesTarget ? "" : ", still above the target: the rule's maximum")
        }
        if PairedComparison.hasNoSpread(standardDeviation: d.sd) {   // blinded: the mean is never computed
            s += " (σ_d = 0: every interim difference is the same, so the power calculation has no spread to work with and asks for "
                + "nothing; if it stays so, the paired t-test has no statistic and the table will say \"no test\".)"
        }
        let now = compare.seeds.count
        if now == d.seeds {
            s += " The config holds \(now) seeds, as the rule asks.\n"
        } else if now < d.seeds {
            s += " The config holds \(now): add \(d.seeds - now) seed(s) to \"seeds\" and run the same command again.\n"
        } else {
            s += " **The config holds \(now) seeds, more than the rule asks: the extra seeds are not part of the declared study.**\n"
        }
        return s
    }
}
