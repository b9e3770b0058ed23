import ArgumentParser
import Foundation
import Experiments
import Stats
import Training

/// `masklab lottery-report`: summaries over many lottery runs.
struct LotteryReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lottery-report",
        abstract: "Summarise lottery runs: the 2×2 grid's correlations, or accuracy curves over seeds.",
        discussion: """
        grid ROOT: every lottery folder under ROOT is one IMP chain (magnitude or random selection, with \
        the reinit branch); writes grid.csv, correlations.csv (Pearson and Spearman of prune ratio with \
        test accuracy per arm, all ratios and ≤ 85%) and one scatter plot per arm. \
        curve ROOT: every folder under ROOT is one seed of the same setting; writes curve.csv and \
        curve.svg (mean and 95% interval per level of the early-stopping test accuracy and iteration, and \
        of the validation loss after 500 iterations).
        """
    )

    enum Kind: String, ExpressibleByArgument { case grid, curve }

    @Argument(help: "grid or curve.")
    var kind: Kind

    @Argument(help: "Folder holding the lottery runs.")
    var root: String

    @Option(name: .long, help: "Output folder. Default: ROOT.")
    var out: String?

    @Option(name: .long, help: "Title of the curve plot. Default: the folder name (the study's, for a sweep's runs folder).")
    var title: String?

    func run() throws {
        let rootURL = URL(fileURLWithPath: root, isDirectory: true)
        let outURL = out.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? rootURL
        do {
            switch kind {
            case .grid:
                let points = try LotteryGridReport.collect(rootURL)
                guard !points.isEmpty else { throw CommandFailure("\(root): no finished lottery levels found") }
                let rows = try LotteryGridReport.write(points, to: outURL)
                if rows.isEmpty {
                    print("no correlation: no arm of the grid (random or magnitude masks, with or without reinitialisation) has 3 finished "
                          + "models at pruned levels (\(counted(points.count, "model")) found); the tables list the models only")
                }
                print("arm                  subset  models  pearson  spearman  pearson(rounds)")
                for r in rows {
                    let label = r.arm.padding(toLength: 20, withPad: " ", startingAt: 0) + " " + r.subset.padding(toLength: 7, withPad: " ", startingAt: 0)
                    print(label + String(format: " %6d  %7.3f  %8.3f  %7.3f", r.count, r.pearson, r.spearman, r.pearsonRounds))
                }
            case .curve:
                let rows = try LotteryCurveReport.collect(rootURL)
                guard !rows.isEmpty else { throw CommandFailure("\(root): no levels.csv found") }
                try LotteryCurveReport.write(rows, to: outURL, title: title ?? Self.defaultTitle(rootURL))
                print("arm     level  remaining  seeds  early-stop acc        iteration          final acc          val loss @500")
                // ± the 95% half-width; one seed has no interval, and a level shorter than 500
                // iterations no loss at 500.
                func value(_ s: Summary, _ format: String, _ width: Int) -> String {
                    String(format: format, s.mean) + (s.count > 1 ? " ± " + String(format: "%\(width).\(format.hasSuffix(".0f") ? 0 : 4)f", s.halfWidth)
                                                                   : String(repeating: " ", count: 3 + width))
                }
                for r in rows {
                    print(r.arm.padding(toLength: 7, withPad: " ", startingAt: 0) + String(format: " %5d  %8.2f%%  %5d  ", r.level, r.remaining, r.accuracy.count)
                          + value(r.accuracy, "%.4f", 6) + "  " + value(r.iteration, "%7.0f", 5) + "  " + value(r.finalAccuracy, "%.4f", 6)
                          + "  " + (r.probeLoss.map { value($0, "%.4f", 6) } ?? "–"))
                }
                if rows.contains(where: { $0.accuracy.count == 1 }) { print("(one seed: no interval)") }
                if rows.allSatisfy({ $0.probeLoss == nil }) {
                    print("(–: no validation loss logged at iteration 500; curve.svg has no panel for it)")
                } else if rows.contains(where: { $0.probeLoss == nil }) {
                    print("(–: no validation loss logged at iteration 500)")
                }
            }
        } catch let e as RunError { throw CommandFailure(e.description) }
        print("→ \(outURL.path)")
    }

    /// The folder's name, or for a sweep's `runs` folder the sweep's (`sweep-lr/runs` → "sweep-lr").
    static func defaultTitle(_ root: URL) -> String {
        let name = root.standardizedFileURL.lastPathComponent
        return name == "runs" ? root.standardizedFileURL.deletingLastPathComponent().lastPathComponent : name
    }
}
