import Foundation
import Stats
import Training

/// Writes a comparison's report from its run folders: paired.csv and paired.svg (when the config
/// declares an analysis), summary.csv, welch.csv, epochs.csv, the convergence plots, the importance
/// histograms, and REPORT.md (which shows the pre-registered primary contrasts first, then
/// everything else marked exploratory, plus the
/// command, config, commit and machine, the check that the dropping arms drop equally many
/// weights, and `findings.md` when present). `masklab compare --report-only` calls only this.
/// A pre-registered comparison (one with "analysis") gets only `CompareBlindReport` until all
/// its runs have ended (completed, or diverged to a non-finite loss), unless `unblind`.
public enum CompareReport {
    /// Reads every run with metrics and writes the report; returns the table, or nil when the
    /// report is blinded (see the type's documentation).
    @discardableResult
    public static func write(_ compare: CompareConfig, layout: CompareLayout, unblind: Bool = false) throws(CompareError) -> CompareTable? {
        // No comparison folder: nothing has run (a blinded report would have nowhere to go).
        guard FileManager.default.fileExists(atPath: layout.directory.path) else { throw .noRuns(path: layout.directory.path) }
        var curves: [(arm: String, runs: [RunCurve])] = []
        var incomplete: [String] = []
        var damaged: [String] = []   // rows of metrics.csv files left out, each named
        var ended: Set<String> = []   // completed, or diverged (nonFinite): no more training will change them
        var open: [String] = []   // runs that have not ended (neither completed nor diverged), blind-safe descriptions
        for arm in compare.arms {
            var runs: [RunCurve] = []
            for seed in compare.seeds {
                let run = layout.run(arm: arm.name, seed: seed)
                var curve = RunCurve.read(run.metrics, seed: seed) { damaged.append("`\(arm.name)/seed-\(seed)`: \($0)") }
                let runStatus = RunFolder.status(of: run)
                if runStatus == .nonFinite { curve?.diverged = true }
                if runStatus == .completed || runStatus == .nonFinite { ended.insert(CompareBlindReport.key(arm.name, seed)) }
                if runStatus != .completed {
                    if runStatus != .nonFinite {
                        open.append("`\(arm.name)/seed-\(seed)`: " + (runStatus.map { "status \($0)" } ?? "no summary yet (running, killed or not started)"))
                    }
                    incomplete.append("`\(arm.name)/seed-\(seed)`: \(curve?.epochs ?? 0) epoch(s) logged; \(status(run, log: layout.log(arm: arm.name, seed: seed)))")
                }
                if let curve { runs.append(curve) }
            }
            curves.append((arm.name, runs))
        }
        // Blinded while a run is open, or while the declared seed-extension rule asks for seeds the config lacks.
        if compare.analysis != nil && compare.shrunk == nil && !unblind
            && (!open.isEmpty || CompareBlindReport.missingSeeds(compare, curves: curves, ended: ended) != nil) {
            try CompareBlindReport.write(compare, layout: layout, curves: curves, ended: ended, open: open)
            return nil
        }
        guard curves.contains(where: { !$0.runs.isEmpty }) else { throw .noRuns(path: layout.directory.path) }
        let table = CompareTable(curves, target: compare.targetAccuracy)
        let references = welchReferences(compare)
        let tests = table.welchTables(references: references, metrics: [.finalTestAccuracy, .bestTestAccuracy, .firstEpochTestAccuracy, .finalTestLoss])
        let epochs = table.epochTables(reference: references[0])
        let paired = compare.analysis.map { ComparePairedTable(table, analysis: $0, finalEpoch: finalEpoch(compare)) }
        if let paired {
            try save(paired.csv(), layout.paired)
            for (family, url) in [(ComparePairedTable.Family.primary, layout.pairedPlot), (.exploratory, layout.exploratoryPairedPlot)] {
                if let figure = paired.figure(family, title: "\(compare.name): \(family.rawValue) paired differences by seed") {
                    try save(figure.svg(), url)
                } else {
                    try remove(url)
                }
            }
        }
        try save(table.csv(), layout.summary)
        try save(tests.csv, layout.welch)
        try save(epochs.csv, layout.epochs)
        try save(plot(table, title: "\(compare.name): test accuracy (mean, 95% CI band)", yLabel: "test accuracy") { $0.testAccuracy }.svg(), layout.accuracyPlot)
        try save(plot(table, title: "\(compare.name): test loss (mean, 95% CI band)", yLabel: "test cross-entropy") { $0.testLoss }.svg(), layout.lossPlot)
        let pairedReference = references[0]
        try save(pairedAccuracyPlot(table, reference: pairedReference,
                                    title: "\(compare.name): test accuracy minus \(pairedReference)'s, paired by seed (mean, 95% CI band)").svg(),
                 layout.pairedAccuracyPlot)
        var histograms: [(arm: String, seed: UInt64, file: String)] = []
        for arm in compare.arms where arm.config.masks?.name == "importance" {
            guard let seed = compare.seeds.first(where: { FileManager.default.fileExists(atPath: importanceFile(layout, arm.name, $0).path) }),
                  let figure = ImportanceHistogramFigure.read(importanceFile(layout, arm.name, seed),
                                                               title: "\(arm.name) (λ = \(arm.config.masks?.importance.lambda ?? 0)), seed \(seed): log₁₀ importance at each refresh")
            else { continue }
            try save(figure.svg(), layout.histogramPlot(arm: arm.name))
            histograms.append((arm.name, seed, layout.histogramPlot(arm: arm.name).lastPathComponent))
        }
        let rule = compare.analysis.flatMap { a in
            a.seedExtension.map { CompareBlindReport.extensionText(compare, analysis: a, rule: $0, curves: curves, ended: ended) }
        }
        let markdown = reportText(compare, layout: layout, table: table, paired: paired, tests: tests.markdown, epochs: epochs.markdown,
                                  histograms: histograms, incomplete: incomplete, damaged: damaged, interim: !open.isEmpty, seedExtension: rule)
        try save(markdown, layout.report)
        return table
    }

    /// The arms every other arm is Welch-tested against (and the per-epoch table's reference):
    /// `dropconnect` and `baseline` where the comparison has them, else the analysis's reference
    /// arms, else the first arm.
    static func welchReferences(_ compare: CompareConfig) -> [String] {
        let named = ["dropconnect", "baseline"].filter { compare.arm($0) != nil }
        let declared = (compare.analysis?.references ?? []).filter { compare.arm($0) != nil }
        return !named.isEmpty ? named : !declared.isEmpty ? declared : [compare.arms[0].name]
    }

    /// The epoch "final" endpoints read: the budget's last epoch (nil for an iteration budget).
    static func finalEpoch(_ compare: CompareConfig) -> Int? {
        if case let .epochs(e) = compare.arms[0].config.training.budget { return e }
        return nil
    }

    static func importanceFile(_ layout: CompareLayout, _ arm: String, _ seed: UInt64) -> URL {
        layout.run(arm: arm, seed: seed).directory.appendingPathComponent("importance_histograms.csv")
    }

    /// Why a run is not completed: its summary's status, else the last line of its log.
    static func status(_ run: RunLayout, log: URL) -> String {
        if let status = RunFolder.status(of: run) { return "status \(status)" }
        guard let text = try? String(contentsOf: log, encoding: .utf8) else { return "not started" }
        return text.split(separator: "\n").last.map { "log: \($0.trimmingCharacters(in: .whitespaces))" } ?? "running or not started"
    }

    /// One series per arm: the mean of `values` per epoch over seeds, with the 95% CI as a band.
    static func plot(_ table: CompareTable, title: String, yLabel: String, _ values: (RunCurve) -> [Double]) -> LinePlot {
        let series = table.arms.map { arm -> LinePlot.Series in
            let (points, band) = meanBand(epochs: table.maxEpochs) { e in
                (table.runs[arm] ?? []).compactMap { run -> Double? in
                    let all = values(run)
                    return e < all.count && all[e].isFinite ? all[e] : nil
                }
            }
            return LinePlot.Series(label: "\(arm) (n=\(table.runs[arm]?.count ?? 0))", points: points, band: band)
        }
        var plot = LinePlot(title: title, xLabel: "epoch", yLabel: yLabel, series: series)
        plot.xInteger = true
        return plot
    }

    /// Per epoch (x = 1 …), the mean of `values(epoch index)` and its 95% t band; epochs with no
    /// value are left out.
    static func meanBand(epochs: Int, _ values: (Int) -> [Double]) -> (points: [(x: Double, y: Double)], band: [(x: Double, low: Double, high: Double)]) {
        var points: [(x: Double, y: Double)] = [], band: [(x: Double, low: Double, high: Double)] = []
        for e in 0..<epochs {
            let v = values(e)
            guard !v.isEmpty else { continue }
            let s = Summary(v)
            points.append((Double(e + 1), s.mean))
            band.append((Double(e + 1), s.mean - s.halfWidth, s.mean + s.halfWidth))
        }
        return (points, band)
    }

    /// Each arm's test accuracy minus `reference`'s, per epoch and paired by seed: the mean of the
    /// per-seed differences with its 95% t band, over the seeds where both runs reached the epoch
    /// (`paired-accuracy.svg`). The reference itself is left out.
    static func pairedAccuracyPlot(_ table: CompareTable, reference: String, title: String) -> LinePlot {
        let base = Dictionary((table.runs[reference] ?? []).map { ($0.seed, $0.testAccuracy) }, uniquingKeysWith: { a, _ in a })
        let series = table.arms.filter { $0 != reference }.map { arm -> LinePlot.Series in
            let (points, band) = meanBand(epochs: table.maxEpochs) { e in
                (table.runs[arm] ?? []).compactMap { run -> Double? in
                    guard let r = base[run.seed], e < run.testAccuracy.count, e < r.count else { return nil }
                    let x = run.testAccuracy[e] - r[e]
                    return x.isFinite ? x : nil
                }
            }
            return LinePlot.Series(label: "\(arm) − \(reference)", points: points, band: band)
        }
        var plot = LinePlot(title: title, xLabel: "epoch", yLabel: "Δ test accuracy", series: series)
        plot.xInteger = true
        return plot
    }

    /// Expected kept entries of the masked tensors per dropping arm (first epoch of the first
    /// seed's masks.csv): all dropping arms must drop the same expected number of weights.
    static func maskCheck(_ compare: CompareConfig, layout: CompareLayout) -> String {
        var rows: [(arm: String, entries: Double, expected: Double, realised: Double)] = []
        for arm in compare.arms where arm.config.masks.map({ $0.name != "none" }) ?? false {
            for seed in compare.seeds {
                let url = layout.run(arm: arm.name, seed: seed).directory.appendingPathComponent("masks.csv")
                guard let text = try? String(contentsOf: url, encoding: .utf8) else { continue }
                let lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
                guard let header = lines.first, let t = header.firstIndex(of: "tensor"), let n = header.firstIndex(of: "entries"),
                      let e = header.firstIndex(of: "expected_kept"), let m = header.firstIndex(of: "mean_kept"),
                      let row = lines.dropFirst().first(where: { $0.count > max(t, n, e, m) && $0[t] == "all" }),
                      let entries = Double(row[n]), let expected = Double(row[e]), let mean = Double(row[m]) else { continue }
                rows.append((arm.name, entries, expected, mean))
                break
            }
        }
        guard !rows.isEmpty else { return "No masks.csv found (no dropping arm has run yet).\n" }
        var out = "| arm | masked weights | expected kept | expected kept share | realised kept (mean over epoch 1's steps) |\n|---|---|---|---|---|\n"
        for r in rows {
            out += "| \(r.arm) | \(Int(r.entries)) | \(String(format: "%.1f", r.expected)) | \(String(format: "%.5f", r.expected / r.entries)) | \(String(format: "%.1f", r.realised)) |\n"
        }
        let shares = rows.map { $0.expected / $0.entries }
        let spread = (shares.max() ?? 0) - (shares.min() ?? 0)
        out += "\nLargest difference of the expected kept share between dropping arms: \(String(format: "%.2e", spread))"
        out += spread <= 1e-3 ? " — the arms drop the same expected number of weights.\n" : " — **the arms do NOT drop the same expected number of weights.**\n"
        return out
    }

    static func reportText(_ compare: CompareConfig, layout: CompareLayout, table: CompareTable, paired: ComparePairedTable?, tests: String, epochs: String,
                           histograms: [(arm: String, seed: UInt64, file: String)], incomplete: [String], damaged: [String] = [],
                           interim: Bool = false, seedExtension: String? = nil) -> String {
        let base = compare.arms[0].config.training
        let budget = "\(base.budget)"
        var s = "# Comparison `\(compare.name)`\n\n"
        s += "\(base.model) on \(base.dataset), \(counted(compare.arms.count, "arm")) × \(counted(compare.seeds.count, "seed")) (\(compare.seeds.map(String.init).joined(separator: ", "))), budget \(budget)"
        if compare.arms[0].config.trainSubset > 0 { s += ", training subset of \(compare.arms[0].config.trainSubset) images" }
        if compare.arms[0].config.testSubset > 0 { s += ", evaluated on a fixed test subset of \(compare.arms[0].config.testSubset) images" }
        s += compare.seeds.count > 1 ? ". Every number is mean ± half-width of the 95% Student-t confidence interval over seeds. "
            : ". One seed: every number is that run's value (n = 1, no interval) and no Welch test can be made. "
        s += "Within a seed every arm starts from the same initial weights and sees the same data order.\n\n"
        if let shrunk = compare.shrunk {
            s += "**Smoke run, not a result**: \(shrunk). The configuration that ran is under Reproduce.\n\n"
        }
        if interim && compare.analysis != nil && compare.shrunk == nil {
            s += "**Unblinded interim** (`--unblind`): \(incomplete.count) run(s) are not complete, so the numbers below are not the "
            s += "study's result and must not decide whether it stops, extends or changes.\n\n"
        }
        if !damaged.isEmpty {
            s += "**Damaged records** (these rows are left out of every number below; repair or retrain the run):\n\n"
            s += damaged.map { "- \($0)" }.joined(separator: "\n") + "\n\n"
        }
        if !incomplete.isEmpty {
            s += "**Runs not completed** (those with metrics are included with the epochs they have):\n\n" + incomplete.map { "- \($0)" }.joined(separator: "\n") + "\n\n"
        }
        if let paired, let analysis = compare.analysis {
            let declared = AnalysisDeclaration.reportText(try? AnalysisDeclaration.read(layout), smoke: compare.shrunk != nil)
            s += "## \(declared.heading)\n\n" + declared.note
            s += "Paired by seed (the arms of a seed share θ0, subset and data order): Δ = first − second per seed. "
            s += "Mean Δ with its 95% t interval, two-sided paired t-test and Wilcoxon signed-rank test, Holm's correction over the "
            s += "\(analysis.contrasts.count) declared contrasts of each endpoint, TOST equivalence for the margin "
                + Self.marginText(analysis) + ", "
            s += "and the smallest difference the paired t-test detects with 80% power at α/\(analysis.contrasts.count) given the observed σ_d. "
            s += "A contrast holds when its Holm p < 0.05; it is equivalent when its TOST p < 0.05; otherwise it is inconclusive at this power. "
            s += "A contrast with fewer than two pairs, or whose per-seed differences are all equal (σ_d = 0, no t statistic), says \"no test\" "
            s += "and counts in Holm's family with p = 1. "
            s += "Per-seed differences are in `paired.csv`.\n\n"
            s += paired.markdown(.primary) + "\n"
            if !paired.rows(.primary).isEmpty {
                s += "![primary paired differences by seed](\(layout.pairedPlot.lastPathComponent))\n\n" + Self.forestCaption + "\n\n"
            }
            if let seedExtension { s += "### Seed-extension rule (declared in the config)\n\n" + seedExtension + "\n" }
            s += "**Everything below is exploratory**: not part of the declared family, no multiplicity correction.\n\n"
            s += "## Exploratory: paired differences against \(analysis.references.map { "`\($0)`" }.joined(separator: " and "))\n\n"
            s += paired.markdown(.exploratory) + "\n"
            if !paired.rows(.exploratory).isEmpty {
                s += "![exploratory paired differences by seed](\(layout.exploratoryPairedPlot.lastPathComponent))\n\n"
            }
        }
        s += "## Findings\n\n"
        if let findings = try? String(contentsOf: layout.findings, encoding: .utf8) {
            s += findings.trimmingCharacters(in: .whitespacesAndNewlines) + "\n\n"
        } else {
            s += "(none written yet: put them in `findings.md` beside this file and rerun `masklab compare --report-only`)\n\n"
        }
        let tag = compare.analysis == nil ? "" : " (exploratory)"
        s += "## Summary\(tag)\n\n" + table.markdown() + "\n"
        s += "GAP = test loss − train loss, where the train loss is the epoch's running mean in training mode (augmentation, "
        s += "BatchNorm's batch statistics and dropout on, weights moving; with `target` weights the forward pass also reads the "
        s += "masks, whose noise it then includes), not an inference-mode loss at the final weights (the runs' `eval_gap` with "
        s += "`trainEval` on, or `masklab eval RUN --train`, gives the source's GAP)"
        if table.metrics.contains(.finalEvalGap) {
            s += "; eval GAP = test loss − the inference-mode loss of the runs' fixed `trainEval` subset of training images at the "
            s += "same weights (the source's GAP), in the runs that measured it"
        }
        s += ". Epochs to target: first epoch whose test accuracy reaches \(compare.targetAccuracy), "
        s += "averaged over the seeds that reached it.\n\n"
        s += "## Welch t-tests (two-sided, unpaired; secondary\(compare.analysis == nil ? "" : ", exploratory"))\n\n" + tests + "\n"
        s += "## Test accuracy per epoch\(tag)\n\n" + epochs + "\n"
        s += "## Convergence\n\n![test accuracy](accuracy.svg)\n\n"
        s += "![test accuracy minus \(welchReferences(compare)[0])'s, paired by seed](\(layout.pairedAccuracyPlot.lastPathComponent))\n\n"
        s += "The second figure shows each arm's test accuracy minus the reference arm's, per epoch and paired by seed (mean and "
        s += "95% t band over the seeds where both arms reached the epoch): differences too small to see between the curves above.\n\n"
        s += "![test loss](loss.svg)\n\n"
        if !histograms.isEmpty {
            s += "## Importance histograms\n\nlog₁₀ of the importance w (uniform = 0) per masked tensor, one line per refresh, seed shown in the title.\n\n"
            for h in histograms { s += "![\(h.arm)](\(h.file))\n\n" }
        }
        if let solver = CompareSolverDiagnostics.markdown(compare, layout: layout) {
            s += "## Importance solver: how far it moves w\(tag)\n\n"
            s += "Over every refresh, masked tensor and seed (`importance.csv`): KL(w_final ‖ w₀) in nats (0 = the solver left its "
            s += "g² start; the saliency arm has 0 steps), φ = L(x − γ·w⊙g) at w₀ and at w_final on the solve's batches and on "
            s += "the held-out batch (the next batch of the solver's stream), and the share of weights at p = 1 and at p_min.\n\n"
            s += solver + "\n"
        }
        s += "## Expected number of dropped weights\n\n" + maskCheck(compare, layout: layout) + "\n"
        s += "## Arms\n\n| arm | masks |\n|---|---|\n"
        for arm in compare.arms {
            let m = arm.config.masks.map { m -> String in
                var d = "\(m.name), keep \(m.keep), target \(m.target.rawValue), scaling \(m.scaling.rawValue), sampling \(m.sampling.rawValue)"
                if !m.exclude.isEmpty { d += ", dense: \(m.exclude.map(\.rawValue).joined(separator: "+"))" }
                if m.name == "importance" {
                    let i = m.importance
                    d += "; λ = \(i.lambda), η = \(i.eta), \(counted(i.steps, "step")), \(i.solve.rawValue), \(counted(i.batches, "batch", plural: "batches")), refresh every "
                    d += i.refreshIterations > 0 ? counted(i.refreshIterations, "iteration") : counted(i.refreshEpochs, "epoch")
                }
                return d
            } ?? "none"
            s += "| \(arm.name) | \(m) |\n"
        }
        s += "\n## Reproduce\n\n"
        if let command = try? String(contentsOf: layout.command, encoding: .utf8) {
            let latest = RunFolder.latestInvocation(command)
            s += "```\n" + latest.trimmingCharacters(in: .whitespacesAndNewlines) + "\n```\n\n"
            if latest.count < command.count { s += "(`command.txt` also lists the earlier invocations of this comparison folder.)\n\n" }
        }
        if let threads = CompareThreadRecord.reproduceText(compare, layout: layout) { s += threads + "\n" }
        s += CompareRunOrigins(compare, layout: layout).markdown
        let written = Provenance.current().text.split(separator: "\n").filter { $0.hasPrefix("commit:") || $0.hasPrefix("machine:") }
        s += "Report written by \(written.joined(separator: "; ")).\n\n"
        if compare.shrunk != nil, let arm = compare.arms.first, let seed = compare.seeds.first {
            s += "The configuration that ran (arm `\(arm.name)`, seed \(seed); the other arms differ only in `masks`):\n\n"
            s += "```json\n\(compare.runConfig(arm, seed: seed).jsonText())\n```\n\n"
            s += "The comparison config as given (`compare.json`, before --smoke shrank it):\n\n```json\n\(compare.sourceText)\n```\n\n"
        } else {
            s += "The comparison config (`compare.json`):\n\n```json\n\(compare.sourceText)\n```\n\n"
        }
        s += "Per-run folders: `runs/<arm>/seed-<s>/` (config.json, command.txt, metrics.csv, summary.json, curves.svg, masks.csv, importance*.csv).\n"
        return s
    }

    /// "±0.01", or with endpoints of their own "±0.01 (testLoss @ final ±0.02)".
    /// How to read the forest plots of the paired rows.
    static let forestCaption = "Each row: the per-seed differences (dots), their mean (diamond) and unadjusted 95% t interval (bar); "
        + "the dashed line is no difference, the green band the endpoint's equivalence margin. The verdict at the right is the table's: "
        + "Holm-adjusted for the declared contrasts, and TOST's equivalence uses a 90% interval, so a bar just clear of zero or just "
        + "across a band edge can carry a different verdict than the bar alone suggests."

    static func marginText(_ analysis: CompareAnalysis) -> String {
        let own = analysis.endpoints.filter { $0.margin != nil }
        let shared = "±\(String(format: "%g", analysis.margin))"
        guard !own.isEmpty else { return shared }
        let list = own.map { "\($0.label) ±\(String(format: "%g", analysis.margin(for: $0)))" }.joined(separator: ", ")
        return own.count == analysis.endpoints.count ? list : "\(shared) (\(list))"
    }

    /// Writes `value` as pretty, key-sorted JSON (a record of the comparison folder) to `url`.
    static func saveJSON<T: Encodable>(_ value: T, _ url: URL) throws(CompareError) {
        let text: String
        do { text = try RunFolder.encodeJSON(value, path: url.path) } catch { throw .folder(error) }
        try save(text + "\n", url)
    }

    /// Removes an earlier report file at `url` if there is one; `why` ends the error message.
    static func remove(_ url: URL, why: String = "it would show contrasts this report no longer has") throws(CompareError) {
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        do { try FileManager.default.removeItem(at: url) } catch {
            throw .output(path: url.path, message: "cannot remove the earlier report file (\(why)): \(error.localizedDescription)")
        }
    }

    /// Writes through `RunFolder.writeAtomically`, so a study folder deleted or replaced under
    /// a running compare is not written into (`.folderReplaced`).
    static func save(_ text: String, _ url: URL) throws(CompareError) {
        do { try RunFolder.writeAtomically(Data(text.utf8), to: url) } catch { throw .folder(error) }
    }
}
