import Foundation
import TensorCore
import Layers
import Datasets
import Importance
import Masks
import Training

/// `masklab importance RUN`: the learned importance of a trained network. The solver runs on
/// `batches` training batches (no augmentation) for the run's masked tensors (its masks' scope,
/// else every conv and linear weight minus `exclude`), once per λ from the same start, and the
/// output folder gets
///
///     stats.csv         lambda,tensor,entries,kl,entropy,top1,top10,min_w,max_w,seconds, then how far the
///                       solve moved: kl_from_start,phi_solve_before,phi_solve_after,phi_heldout_before,
///                       phi_heldout_after,eta_final,rejected_steps, and for a run with importance masks
///                       share_p1,share_pmin (of the keep probabilities its sampler would draw from w)
///     histograms.csv    lambda,tensor,log10w_low,log10w_high,count
///     histograms.svg    one panel per tensor, one line per λ
///     command.txt       command line, data folder, commit and machine
public enum ImportanceHistograms {
    /// The files of the output folder (its results).
    static let files = ["stats.csv", "histograms.csv", "histograms.svg", "command.txt"]

    /// The columns of stats.csv after `seconds`: how far the solve moved w and φ.
    static let movementColumns = "kl_from_start,phi_solve_before,phi_solve_after,phi_heldout_before,phi_heldout_after,eta_final,rejected_steps,share_p1,share_pmin"

    /// One target's `movementColumns` cells from the solve's report: KL(w_final ‖ w₀) in nats, φ
    /// at w₀ and w_final on the solve's batches and on the held-out batch (empty when there is
    /// none), the last accepted step and the rejected trial steps, and — for a run whose masks are
    /// `importance` — the shares of weights at p = 1 and at p_min among the keep probabilities its
    /// sampler would draw from `logW`, counted as `importance.csv` counts them in training (its keep
    /// rate, as round(q·n)/n under exact-k sampling; p_min; `use`). Empty shares for other runs.
    static func movement(_ report: SolveReport, target t: Int, logW: UnsafeBufferPointer<Float>, masks: MaskConfig?) -> String {
        func cell(_ x: Double) -> String { x.isNaN ? "" : "\(x)" }
        var cells = [cell(report.klFromStart[t]), cell(report.solveBefore[t]), cell(report.solveAfter[t]),
                     cell(report.heldOutBefore[t]), cell(report.heldOutAfter[t]), cell(report.finalEta[t]), "\(report.rejectedSteps[t])"]
        guard let masks, masks.name == "importance", logW.count > 0 else { return (cells + ["", ""]).joined(separator: ",") }
        let n = logW.count
        let q = masks.sampling == .exactK ? Double(MaskSet.exactKeptCount(keepRate: masks.keep, count: n)) / Double(n) : masks.keep
        let floor = min(masks.minKeep, q)
        var p = [Float](repeating: 0, count: n)
        p.withUnsafeMutableBufferPointer { out in
            switch masks.importance.use {
            case .keep: _ = KeepProbabilities.solve(logW: logW, keepRate: q, minimum: floor, into: out)
            case .drop: _ = KeepProbabilities.solveDrop(logW: logW, keepRate: q, minimum: floor, into: out)
            }
        }
        let shares = p.withUnsafeBufferPointer { KeepProbabilities.shares($0, minimum: floor) }
        cells += ["\(shares.atOne)", "\(shares.atMinimum)"]
        return cells.joined(separator: ",")
    }

    /// Computes the importance for the weights at `path` — a run folder (its `last.safetensors`),
    /// a checkpoint, or a PyTorch state_dict in safetensors with `config` describing the model
    /// (`WeightsSource.locate`) — and writes `out` (default `importance/` beside the weights),
    /// taken as a `RunFolder` once the inputs are checked (results already there are refused
    /// unless `overwrite`). `settings` turns the run's importance options (or the defaults) into
    /// the ones to use; `lambdas` nil means the resulting λ; `exclude` nil means the run's scope.
    /// `say` receives one line per λ. Returns the folder.
    public static func run(path: String, config configPath: String?, dataRoot: URL, out: URL?, overwrite: Bool, lambdas: [Double]?,
                           exclude: Set<MaskExclusion>?, commandLine: [String], settings: (ImportanceConfig) -> ImportanceConfig,
                           say: (String) -> Void = { _ in }) throws(RunError) -> URL {
        let source = try WeightsSource.locate(path, config: configPath)
        let run = source.file.deletingLastPathComponent()
        var config = source.config
        config.validation = 0
        config.augment = false
        let (network, splits, _) = try TrainingRun.materialise(config, dataRoot: dataRoot)
        network.prepare(batch: config.training.batchSize)
        let weights = try WeightsProvenance.reading(source.file, load: { () throws(RunError) in try WeightsSource.load(source.file, into: network) },
                                                     contents: { $0 }).provenance
        if let warning = weights.warning(role: "the weights") { say(warning) }
        var scope = config.masks?.scope ?? MaskScope()
        if let exclude { scope.exclude = exclude }
        let targets = scope.select(from: network.store)
        guard !targets.isEmpty else { throw .config(path: "masks", message: "no tensor left to compute importance for (scope \(scope.exclude.map(\.rawValue).sorted()))") }
        let base = settings(config.masks?.importance ?? ImportanceConfig())
        if let message = base.validationError() { throw .config(path: "importance", message: message) }
        let lambdaList = lambdas ?? [base.lambda]
        let gamma = base.gamma ?? Double(config.training.optimizer.learningRate)
        let outDir = out ?? run.appendingPathComponent("importance", isDirectory: true)
        let folder = try RunFolder.open(outDir, commandLine: commandLine, results: files, holds: "importance results",
                                        reuse: overwrite ? .overwrite : .refuse, choices: ["replace them with --overwrite", "choose another --out"],
                                        writer: "importance")
        defer { folder.close() }

        let solverBatches = SolverBatches(dataset: splits.train, capacity: base.batches, batchSize: config.training.batchSize,
                                          sampleShape: network.sampleShape, seed: config.training.seed)
        solverBatches.fill(round: 0)
        // Batches never wrap: a small training set gives the solve all it has, and says so.
        if solverBatches.count < base.batches {
            say("note: \(counted(base.batches, "batch", plural: "batches")) asked for, but the \(splits.train.count)-sample training set holds "
                + "\(counted(solverBatches.count, "batch", plural: "batches")) of up to \(config.training.batchSize): the solve uses \(solverBatches.count == 1 ? "it" : "all of them")"
                + (solverBatches.heldOutCount == nil ? ", and no batch is left over for the held-out check" : ""))
        }
        let solver = ImportanceSolver(network: network, targets: targets, config: base)
        var stats: [[ImportanceStats]] = []
        var statsCSV = "lambda,tensor,entries,kl,entropy,top1,top10,min_w,max_w,seconds," + Self.movementColumns + "\n"
        var histCSV = "lambda,tensor,log10w_low,log10w_high,count\n"
        let edges = ImportanceStats.histogramEdges
        for l in lambdaList {
            solver.config.lambda = l
            // A long solve (many steps, a per-layer solve of a wide network) says what it is doing first.
            say("solving λ \(String(format: "%g", l)): \(base.steps) \(base.solve.rawValue) step\(base.steps == 1 ? "" : "s") over \(targets.count) tensor\(targets.count == 1 ? "" : "s")…")
            let report = solver.solve(on: solverBatches, gamma: gamma)
            var row: [ImportanceStats] = []
            for t in targets.indices {
                let s = ImportanceStats(logW: UnsafeBufferPointer(solver.logImportance(t).buffer))
                row.append(s)
                let name = targets[t].name
                statsCSV += "\(l),\(name),\(s.count),\(s.kl),\(s.entropy),\(s.top1),\(s.top10),\(s.minimum),\(s.maximum),\(report.seconds),"
                    + Self.movement(report, target: t, logW: UnsafeBufferPointer(solver.logImportance(t).buffer), masks: config.masks) + "\n"
                histCSV += "\(l),\(name),-inf,\(edges[0]),\(s.underflow)\n"
                for b in s.histogram.indices { histCSV += "\(l),\(name),\(edges[b]),\(edges[b + 1]),\(s.histogram[b])\n" }
                histCSV += "\(l),\(name),\(edges[edges.count - 1]),inf,\(s.overflow)\n"
            }
            stats.append(row)
            say(String(format: "λ = %g: ", l) + counted(targets.count, "tensor") + String(format: " in %.1f s, mean KL(w‖uniform) %.4f", report.seconds,
                       row.map(\.kl).reduce(0, +) / Double(row.count)))
        }
        let panels = targets.indices.map { t in
            HistogramPlot.Panel(title: targets[t].name, series: lambdaList.indices.map { i in
                HistogramPlot.Series(label: "λ = \(lambdaList[i])", counts: stats[i][t].histogram,
                                     underflow: stats[i][t].underflow, overflow: stats[i][t].overflow)
            })
        }
        var plot = HistogramPlot(title: "importance of \(network.name) (\(base.solve.rawValue), \(base.steps) steps, η \(base.eta))",
                                 xLabel: "log₁₀ w", edges: edges, panels: panels)
        plot.setImportanceOuterLabels()
        try folder.write(statsCSV, to: files[0])
        try folder.write(histCSV, to: files[1])
        try folder.write(plot.svg(), to: files[2])
        // The solver's settings as solved, γ included: with none given it is the run's base learning
        // rate (a one-shot solve has no place in the schedule).
        let solved = "λ \(lambdaList.map { String(format: "%g", $0) }.joined(separator: ", ")); γ \(String(format: "%g", gamma))" + (base.gamma == nil ? " (the run's base learning rate)" : "")
            + "; η \(String(format: "%g", base.eta)); \(base.steps) steps, \(base.solve.rawValue), \(counted(solverBatches.count, "batch", plural: "batches"))"
            + (solverBatches.count < base.batches ? " (\(base.batches) asked for)" : "")
            + "; initialisation \(base.initialisation.rawValue), normalisation \(base.normalisation.rawValue), step control \(base.stepControl.rawValue)"
        try folder.writeCommand([("weights", weights.text), ("data", dataRoot.path), ("solver", solved)])
        return outDir
    }
}
