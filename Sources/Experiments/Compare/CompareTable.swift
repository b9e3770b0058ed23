import Foundation
import Stats

/// The per-epoch curves of one run of a comparison (from its `metrics.csv`).
public struct RunCurve: Sendable, Equatable {
    public var seed: UInt64
    public var testAccuracy: [Double]
    public var testLoss: [Double]
    public var trainLoss: [Double]
    /// Test loss − train loss per epoch (the train loss is the epoch's running training-mode mean).
    public var gap: [Double]
    /// Test loss − the inference-mode loss of a fixed training subset at the same weights, per
    /// epoch (`metrics.csv`'s `eval_gap`, written when the run has `trainEval` on); nil without it.
    public var evalGap: [Double]?
    /// The run stopped on a non-finite loss: its curve ends at its last finite epoch, and its
    /// "final" values are that epoch's (the table says so in the arm's n).
    public var diverged = false

    public init(seed: UInt64, testAccuracy: [Double], testLoss: [Double], trainLoss: [Double], gap: [Double], evalGap: [Double]? = nil) {
        self.seed = seed
        self.testAccuracy = testAccuracy
        self.testLoss = testLoss
        self.trainLoss = trainLoss
        self.gap = gap
        self.evalGap = evalGap
    }

    public var epochs: Int { testAccuracy.count }

    /// Reads a run's `metrics.csv` (columns by header name); nil when it is missing or has no rows.
    /// A damaged row — fewer or more fields than the header (a file cut short by a crash or by
    /// hand), or a test accuracy that is not a number — is left out and described to `damaged`
    /// ("metrics.csv line 3: 12 of 17 fields …"), never read as NaN. (A diverged run's "nan"
    /// losses are numbers and stay.)
    public static func read(_ url: URL, seed: UInt64, damaged: (String) -> Void = { _ in }) -> RunCurve? {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return nil }
        let all = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        guard let header = all.first else { return nil }
        let accuracyColumn = header.firstIndex(of: "test_accuracy")
        var lines = [header]
        for (n, fields) in all.enumerated().dropFirst() where fields != [""] {
            if fields.count != header.count {
                damaged("\(url.lastPathComponent) line \(n + 1): \(fields.count) of \(header.count) fields (cut short or damaged), left out")
            } else if let a = accuracyColumn, Double(fields[a]) == nil {
                damaged("\(url.lastPathComponent) line \(n + 1): test_accuracy '\(fields[a])' is not a number, left out")
            } else {
                lines.append(fields)
            }
        }
        guard lines.count > 1 else { return nil }
        func column(_ name: String) -> [Double]? {
            guard let i = header.firstIndex(of: name) else { return nil }
            return lines.dropFirst().map { Double($0[i]) ?? .nan }
        }
        guard let acc = column("test_accuracy"), let tl = column("test_loss"), let trl = column("train_loss") else { return nil }
        let gap = column("gap") ?? zip(tl, trl).map { $0 - $1 }
        return RunCurve(seed: seed, testAccuracy: acc, testLoss: tl, trainLoss: trl, gap: gap, evalGap: column("eval_gap"))
    }
}

/// A number the comparison table reports per run (then summarised over seeds).
public enum CompareMetric: String, CaseIterable, Sendable {
    case finalTestAccuracy = "final test acc"
    case bestTestAccuracy = "best test acc"
    case firstEpochTestAccuracy = "test acc after epoch 1"
    case finalTestLoss = "final test loss"
    case finalTrainLoss = "final train loss"
    case finalGap = "final GAP"
    case finalEvalGap = "final eval GAP"
    case epochsToTarget = "epochs to target"

    /// The metric of `run`; `epochsToTarget` is the first epoch (1-based) whose test accuracy
    /// reaches `target`, nil when none does.
    public func value(_ run: RunCurve, target: Double) -> Double? {
        guard run.epochs > 0 else { return nil }
        switch self {
        case .finalTestAccuracy: return run.testAccuracy.last
        case .bestTestAccuracy: return run.testAccuracy.max()
        case .firstEpochTestAccuracy: return run.testAccuracy.first
        case .finalTestLoss: return run.testLoss.last
        case .finalTrainLoss: return run.trainLoss.last
        case .finalGap: return run.gap.last
        case .finalEvalGap: return run.evalGap?.last
        case .epochsToTarget: return run.testAccuracy.firstIndex { $0 >= target }.map { Double($0 + 1) }
        }
    }

    /// Digits in tables.
    var format: String { self == .epochsToTarget ? "%.1f" : (rawValue.contains("acc") ? "%.4f" : "%.4f") }
}

/// The comparison's numbers: every metric of every arm as mean ± 95% CI over seeds, Welch
/// t-tests between arms, and the per-epoch test accuracy. Pure: built from curves, no files.
public struct CompareTable: Sendable {
    public let arms: [String]
    public let runs: [String: [RunCurve]]
    public let target: Double

    /// `curves` per arm (in the order given).
    public init(_ curves: [(arm: String, runs: [RunCurve])], target: Double) {
        arms = curves.map(\.arm)
        var r: [String: [RunCurve]] = [:]
        for c in curves { r[c.arm] = c.runs }
        runs = r
        self.target = target
    }

    /// The values of `metric` over the seeds of `arm` (runs without a value left out).
    public func values(_ arm: String, _ metric: CompareMetric) -> [Double] {
        (runs[arm] ?? []).compactMap { metric.value($0, target: target) }
    }

    /// Mean ± CI of `metric` for `arm`; nil without values.
    public func summary(_ arm: String, _ metric: CompareMetric) -> Summary? {
        let v = values(arm, metric)
        return v.isEmpty ? nil : Summary(v)
    }

    /// Welch's test of `arm` against `reference` on `metric` (nil with fewer than 2 values on a side).
    public func welch(_ arm: String, against reference: String, _ metric: CompareMetric) -> WelchTest? {
        WelchTest(values(arm, metric), values(reference, metric))
    }

    /// Test accuracy at `epoch` (0-based) over the seeds of `arm` that reached it.
    public func accuracy(_ arm: String, epoch: Int) -> [Double] {
        (runs[arm] ?? []).compactMap { epoch < $0.epochs ? $0.testAccuracy[epoch] : nil }
    }

    /// The metrics the table reports: every one, but "final eval GAP" only when some run measured
    /// it (`trainEval`), so a comparison without it keeps its columns.
    public var metrics: [CompareMetric] {
        let measured = runs.values.contains { $0.contains { $0.evalGap != nil } }
        return CompareMetric.allCases.filter { $0 != .finalEvalGap || measured }
    }

    /// The largest number of epochs of any run.
    public var maxEpochs: Int { runs.values.flatMap { $0 }.map(\.epochs).max() ?? 0 }

    // MARK: - Text

    /// "0.9812 ± 0.0021" (mean ± CI half-width), "0.9812 (n = 1, no interval)" for a single
    /// value (a half-width of 0 would look exact), "—" when nil.
    public static func cell(_ s: Summary?, format: String = "%.4f") -> String {
        guard let s else { return "—" }
        guard s.count > 1 else { return String(format: format, s.mean) + " (n = 1, no interval)" }
        return String(format: format, s.mean) + " ± " + String(format: format, s.halfWidth)
    }

    /// The summary table in Markdown: one row per arm, one column per metric (n seeds; epochs
    /// to target also counts the seeds that reached it).
    public func markdown() -> String {
        let metrics = metrics
        var out = "| arm | n | " + metrics.map { $0 == .epochsToTarget ? "epochs to \(String(format: "%g", target))" : $0.rawValue }.joined(separator: " | ") + " |\n"
        out += "|---|---|" + metrics.map { _ in "---" }.joined(separator: "|") + "|\n"
        for arm in arms {
            let n = runs[arm]?.count ?? 0
            let cells = metrics.map { m -> String in
                let c = Self.cell(summary(arm, m), format: m.format)
                return m == .epochsToTarget ? "\(c) (\(values(arm, m).count)/\(n) reached)" : c
            }
            // A diverged run's "final" values are its last finite epoch's: said next to n.
            let diverged = (runs[arm] ?? []).filter(\.diverged)
            let count = diverged.isEmpty ? "\(n)" : "\(n) (\(diverged.count) diverged: seed\(diverged.count > 1 ? "s" : "") "
                + diverged.map { "\($0.seed) after epoch \($0.epochs)" }.joined(separator: ", ") + ", its last finite epoch counted as final)"
            out += "| \(arm) | \(count) | " + cells.joined(separator: " | ") + " |\n"
        }
        return out
    }

    /// summary.csv: arm, metric, n, mean, sd, ci95 half-width; sd and half-width are empty for
    /// n = 1 (one value has no spread and no interval; a 0 would read as an exact value, as the
    /// report's "n = 1, no interval" says), everything but n is empty for n = 0.
    public func csv() -> String {
        var out = "arm,metric,n,mean,sd,ci95_halfwidth\n"
        for arm in arms {
            for m in metrics {
                guard let s = summary(arm, m) else { out += "\(arm),\(m.rawValue),0,,,\n"; continue }
                out += "\(arm),\(m.rawValue),\(s.count),\(s.mean),\(Self.spread(s.standardDeviation, s)),\(Self.spread(s.halfWidth, s))\n"
            }
        }
        return out
    }

    /// A spread of `summary` (its sd or CI half-width) as a CSV field: empty for a single value.
    static func spread(_ value: Double, _ summary: Summary) -> String { summary.count > 1 ? "\(value)" : "" }

    /// Welch tests of every arm against each of `references` that exists, on `metrics`, as Markdown and CSV.
    public func welchTables(references: [String], metrics: [CompareMetric]) -> (markdown: String, csv: String) {
        var md = "| metric | arm | vs | Δ mean | t | df | p |\n|---|---|---|---|---|---|---|\n"
        var csv = "metric,arm,reference,difference,t,df,p\n"
        for m in metrics {
            for ref in references where runs[ref] != nil {
                for arm in arms where arm != ref {
                    guard let w = welch(arm, against: ref, m) else { continue }
                    md += "| \(m.rawValue) | \(arm) | \(ref) | \(String(format: "%+.4f", w.difference)) | \(String(format: "%.2f", w.t)) | \(String(format: "%.1f", w.degreesOfFreedom)) | \(Self.pValue(w.p)) |\n"
                    csv += "\(m.rawValue),\(arm),\(ref),\(w.difference),\(w.t),\(w.degreesOfFreedom),\(w.p)\n"
                }
            }
        }
        if csv.split(separator: "\n").count == 1 {
            let seeds = arms.map { runs[$0]?.count ?? 0 }
            let present = references.filter { (runs[$0]?.count ?? 0) > 0 }
            md += arms.count < 2 ? "\nNo test: a Welch test compares two arms and this comparison has one.\n"
                : present.isEmpty ? "\nNo test: the reference arm (\(references.joined(separator: ", "))) has no finished run yet.\n"
                : "\nNo test: Welch's t-test needs at least two seeds in each arm; this comparison has "
                + "\(seeds.min() == seeds.max() ? "n = \(seeds.first ?? 0)" : "n = \(seeds.map(String.init).joined(separator: ", "))") per arm.\n"
        }
        return (md, csv)
    }

    /// Test accuracy per epoch (mean ± CI per arm) with the Welch p of each arm against
    /// `reference` at that epoch, as Markdown and CSV.
    public func epochTables(reference: String) -> (markdown: String, csv: String) {
        let others = arms.filter { $0 != reference && runs[reference] != nil }
        var md = "| epoch | " + arms.joined(separator: " | ") + (others.isEmpty ? "" : " | " + others.map { "p \($0) vs \(reference)" }.joined(separator: " | ")) + " |\n"
        md += "|---|" + Array(repeating: "---", count: arms.count + others.count).joined(separator: "|") + "|\n"
        var csv = "epoch,arm,n,mean,ci95_halfwidth,p_vs_\(reference)\n"
        for e in 0..<maxEpochs {
            var cells: [String] = []
            for arm in arms {
                let v = accuracy(arm, epoch: e)
                cells.append(Self.cell(v.isEmpty ? nil : Summary(v)))
                let p = arm == reference ? nil : WelchTest(v, accuracy(reference, epoch: e))?.p
                if !v.isEmpty {
                    let s = Summary(v)
                    csv += "\(e + 1),\(arm),\(v.count),\(s.mean),\(Self.spread(s.halfWidth, s)),\(p.map { String($0) } ?? "")\n"
                }
            }
            for arm in others { cells.append(WelchTest(accuracy(arm, epoch: e), accuracy(reference, epoch: e)).map { Self.pValue($0.p) } ?? "—") }
            md += "| \(e + 1) | " + cells.joined(separator: " | ") + " |\n"
        }
        return (md, csv)
    }

    static func pValue(_ p: Double) -> String { p < 1e-4 ? String(format: "%.1e", p) : String(format: "%.4f", p) }
}
