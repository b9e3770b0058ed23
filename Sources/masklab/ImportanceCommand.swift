import ArgumentParser
import Foundation
import TensorCore
import Stats
import Layers
import Models
import Datasets
import Importance
import Masks
import Training
import Experiments

/// `masklab importance`: the learned importance of a trained network, as CSV and SVG
/// histograms; or (`--benchmark`) the cost of a refresh, joint and per layer.
struct ImportanceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "importance",
        abstract: "Compute weight importance for a checkpoint and plot its histograms (or time the solver).",
        discussion: """
        PATH is a run folder (config.json + last.safetensors), or a safetensors file of weights under \
        PyTorch state_dict names with --config describing the model. The solver runs on --batches training \
        batches (no augmentation) for the run's masked tensors (its "masks" scope, else all conv and \
        linear weights minus --mask-exclude). With several --lambda values (e.g. 0,1) each is solved \
        from the same start and the histograms are overlaid. Writes stats.csv, histograms.csv and \
        histograms.svg into --out (default: <run folder>/importance).

        --benchmark ignores PATH: it builds --model (default resnet18 --width 16) on random CIFAR-shaped \
        data and measures a training step, a joint and a per-layer refresh, and the per-step mask \
        sampling, then prints the refresh cost in training-step equivalents and as a share of an \
        epoch (50 000 images) for the default and the seed's configuration.
        """
    )

    @Argument(help: "A run folder with a checkpoint, or a safetensors state_dict with --config (not needed with --benchmark).")
    var path: String?

    @Option(name: .long, help: "Run config describing the model and data (default: config.json beside the weights).")
    var config: String?

    @Option(name: .long, help: "Data folder (default: $MASKLAB_DATA, ./data or ../shared/data).")
    var data: String?

    @Option(name: .long, help: "Output folder (default: <run folder>/importance).")
    var out: String?

    @Option(name: .long, help: ArgumentHelp("KL-to-uniform strengths λ, comma-separated; each is overlaid. Default: the run's, else 0.", valueName: "λ1,λ2"))
    var lambda: String?

    @Option(name: .long, help: "Mirror-descent step η. Default: the run's importance options, else 0.05.")
    var eta: Double?

    @Option(name: .long, help: "Steps per solve (per tensor for per-layer). Default: the run's, else 100.")
    var steps: Int?

    @Option(name: .long, help: "Training batches to compute on. Default: the run's, else 1.")
    var batches: Int?

    @Option(name: .long, help: "γ in φ(w) = L(x − γ·w⊙g). Default: the run's, else the run's base learning rate.")
    var gamma: Double?

    @Option(name: .long, help: "joint or perLayer. Default: the run's, else joint.")
    var solve: ImportanceSolve?

    @Option(name: .long, help: "Start: uniform, gradientSquared or gradientMagnitude.")
    var initialisation: ImportanceInitialisation?

    @Option(name: .long, help: "∇φ normalisation: rms, maxAbs or none.")
    var normalisation: GradientNormalisation?

    @Option(name: .long, help: ArgumentHelp("Tensors left out (when the run has no masks): first, shortcut, last.", valueName: "first,shortcut,last"))
    var maskExclude: String?

    @Option(name: .long, help: "Threads. Default: all cores.")
    var threads: Int?

    @Flag(name: .long, help: "Time the solver instead (see the discussion).")
    var benchmark = false

    @Option(name: .long, help: "Benchmark: model. Default: resnet18.")
    var model = "resnet18"

    @Option(name: .long, help: "Benchmark: width. Default: 16.")
    var width = 16

    @Option(name: .long, help: "Benchmark: batch size. Default: 128.")
    var batchSize = 128

    @Option(name: .long, help: "Benchmark: steps timed per tensor (per-layer) and per joint solve. Default: 6.")
    var timedSteps = 6

    func validate() throws {
        if !benchmark && path == nil { throw ValidationError("give a run folder, or --benchmark") }
        if let steps, steps < 0 { throw ValidationError("--steps must be ≥ 0") }
        if let batches, batches < 1 { throw ValidationError("--batches must be ≥ 1") }
        if timedSteps < 1 { throw ValidationError("--timed-steps must be ≥ 1") }
    }

    func run() throws {
        Parallel.setThreads(threads ?? ProcessInfo.processInfo.activeProcessorCount)
        if benchmark { return try ImportanceBenchmark(command: self).run() }
        try histograms()
    }

    /// Options from the run, overridden by the flags.
    func importanceConfig(base: ImportanceConfig) -> ImportanceConfig {
        var c = base
        if let eta { c.eta = eta }
        if let steps { c.steps = steps }
        if let batches { c.batches = batches }
        if let gamma { c.gamma = gamma }
        if let solve { c.solve = solve }
        if let initialisation { c.initialisation = initialisation }
        if let normalisation { c.normalisation = normalisation }
        return c
    }

    func lambdas(default d: Double) throws -> [Double] {
        guard let lambda else { return [d] }
        let v = lambda.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !v.isEmpty, v.allSatisfy({ ($0 ?? -1) >= 0 }) else { throw CommandFailure("--lambda expects values ≥ 0 such as 0,1; got '\(lambda)'") }
        return v.map { $0! }
    }

    private func histograms() throws {
        let source: WeightsSource
        do { source = try WeightsSource.locate(path ?? ".", config: config) } catch { throw CommandFailure(error.description) }
        let folder = source.file.deletingLastPathComponent()
        var config = source.config
        config.validation = 0
        config.augment = false
        let dataRoot: URL
        do { dataRoot = try DataLocator.resolve(explicit: data) } catch { throw CommandFailure(error.description) }
        let (network, splits, _): (Network, DataSplits, (any Augmentation)?)
        do { (network, splits, _) = try TrainingRun.materialise(config, dataRoot: dataRoot) } catch { throw CommandFailure(error.description) }
        network.prepare(batch: config.training.batchSize)
        do { _ = try WeightsSource.load(source.file, into: network) } catch { throw CommandFailure(error.description) }
        var scope = config.masks?.scope ?? MaskScope()
        if let maskExclude {
            scope.exclude = Set(try maskExclude.split(separator: ",").map { part -> MaskExclusion in
                guard let e = MaskExclusion(rawValue: String(part)) else { throw CommandFailure("--mask-exclude: unknown '\(part)'") }
                return e
            })
        }
        let targets = scope.select(from: network.store)
        guard !targets.isEmpty else { throw CommandFailure("no tensor left to compute importance for") }
        let base = importanceConfig(base: config.masks?.importance ?? ImportanceConfig())
        let lambdaList = try lambdas(default: base.lambda)
        let gammaValue = base.gamma ?? Double(config.training.optimizer.learningRate)
        let solverBatches = SolverBatches(dataset: splits.train, capacity: base.batches, batchSize: config.training.batchSize,
                                          sampleShape: network.sampleShape, seed: config.training.seed)
        solverBatches.fill(round: 0)
        let solver = ImportanceSolver(network: network, targets: targets, config: base)
        var stats: [[ImportanceStats]] = []
        var statsCSV = "lambda,tensor,entries,kl,entropy,top1,top10,min_w,max_w,seconds\n"
        var histCSV = "lambda,tensor,log10w_low,log10w_high,count\n"
        let edges = ImportanceStats.histogramEdges
        for l in lambdaList {
            solver.config.lambda = l
            let report = solver.solve(on: solverBatches, gamma: gammaValue)
            var row: [ImportanceStats] = []
            for t in targets.indices {
                let s = ImportanceStats(logW: UnsafeBufferPointer(solver.logImportance(t).buffer))
                row.append(s)
                let name = targets[t].name
                statsCSV += "\(l),\(name),\(s.count),\(s.kl),\(s.entropy),\(s.top1),\(s.top10),\(s.minimum),\(s.maximum),\(report.seconds)\n"
                histCSV += "\(l),\(name),-inf,\(edges[0]),\(s.underflow)\n"
                for b in s.histogram.indices { histCSV += "\(l),\(name),\(edges[b]),\(edges[b + 1]),\(s.histogram[b])\n" }
                histCSV += "\(l),\(name),\(edges[edges.count - 1]),inf,\(s.overflow)\n"
            }
            stats.append(row)
            print(String(format: "λ = %g: %d tensors in %.1f s, mean KL(w‖uniform) %.4f", l, targets.count, report.seconds,
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
        let outDir = out.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? folder.appendingPathComponent("importance", isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: outDir, withIntermediateDirectories: true)
            try statsCSV.write(to: outDir.appendingPathComponent("stats.csv"), atomically: true, encoding: .utf8)
            try histCSV.write(to: outDir.appendingPathComponent("histograms.csv"), atomically: true, encoding: .utf8)
            try plot.write(to: outDir.appendingPathComponent("histograms.svg"))
        } catch { throw CommandFailure("\(outDir.path): cannot write the results: \(error.localizedDescription)") }
        print("wrote stats.csv, histograms.csv, histograms.svg in \(outDir.path)")
    }
}
