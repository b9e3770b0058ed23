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
import Options

/// `masklab importance`: the learned importance of a trained network, as CSV and SVG
/// histograms; or (`--benchmark`) the cost of a refresh, joint and per layer.
struct ImportanceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "importance",
        abstract: "Compute weight importance for a checkpoint and plot its histograms (or time the solver).",
        discussion: """
        PATH is a run folder (config.json + last.safetensors). The solver runs on --importance-batches training \
        batches (no augmentation) for the run's masked tensors (its "masks" scope, else all conv and \
        linear weights minus --mask-exclude). With several --lambda values (e.g. 0,1) each is solved \
        from the same start and the histograms are overlaid. Writes stats.csv, histograms.csv and \
        histograms.svg into --out (default: <run folder>/importance).

        --benchmark ignores PATH: it builds --model (default resnet18 --width 16) on random CIFAR-shaped \
        data and measures a training step, a joint and a per-layer refresh, and the per-step mask \
        sampling, then prints the refresh cost in training-step equivalents and as a share of an \
        epoch (50 000 images) for the default and the seed's configuration.

        SOLVER OPTIONS (as in `masklab train`; default: the run's):
        \(OptionTable(ImportanceConfig.options).helpText(defaults: ImportanceConfig()))
        """
    )


    @Option(name: .long, help: "Data folder (default: $MASKLAB_DATA, ./data or ../shared/data).")
    var data: String?

    @Option(name: .long, help: "Output folder (default: <run folder>/importance).")
    var out: String?

    @Option(name: .long, help: ArgumentHelp("KL-to-uniform strengths λ, comma-separated; each is solved and overlaid. Default: the run's (or --importance-lambda).", valueName: "λ1,λ2"))
    var lambda: String?

    /// The run folder (first) and the solver's flags (`--importance-eta 0.1`, …), read by
    /// `ImportanceConfig.options` as in `train`. One argument list because swift-argument-parser
    /// does not collect unrecognised flags next to an optional positional argument.
    @Argument(parsing: .allUnrecognized, help: ArgumentHelp("A run folder with a checkpoint (not needed with --benchmark), then solver options.", valueName: "path"))
    var arguments: [String] = []

    /// The run folder: the first argument when it is not a flag.
    var path: String? { arguments.first.flatMap { $0.hasPrefix("-") ? nil : $0 } }

    /// The solver flags: the arguments after the run folder.
    var solverFlags: ArraySlice<String> { path == nil ? arguments[...] : arguments.dropFirst() }

    /// Spellings of this command before the solver flags were shared with `train`, still accepted.
    static let renamed = ["--eta": "--importance-eta", "--steps": "--importance-steps", "--batches": "--importance-batches",
                          "--gamma": "--importance-gamma", "--solve": "--importance-solve",
                          "--initialisation": "--importance-init", "--normalisation": "--importance-normalisation"]

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
        _ = try importanceConfig(base: ImportanceConfig())
        _ = try excluded()
        _ = try lambdas(default: 0)
        if let threads, !(1...TrainingConfig.maxThreads).contains(threads) {
            throw ValidationError("--threads must be in [1, \(TrainingConfig.maxThreads)] (4 × the cores), got \(threads)")
        }
        if !(1...ModelOptions.maxWidth).contains(width) { throw ValidationError("--width must be in [1, \(ModelOptions.maxWidth)], got \(width)") }
        if !(1...TrainingConfig.maxBatchSize).contains(batchSize) {
            throw ValidationError("--batch-size must be in [1, \(TrainingConfig.maxBatchSize)], got \(batchSize)")
        }
        if timedSteps < 1 { throw ValidationError("--timed-steps must be ≥ 1") }
    }

    func run() throws {
        Parallel.setThreads(threads ?? ProcessInfo.processInfo.activeProcessorCount)
        if benchmark { return try ImportanceBenchmark(command: self).run() }
        try histograms()
    }

    /// Options from the run, overridden by the solver flags.
    func importanceConfig(base: ImportanceConfig) throws -> ImportanceConfig {
        var c = base
        let args = solverFlags.map { a in
            let name = String(a.prefix { $0 != "=" })
            return Self.renamed[name].map { $0 + a.dropFirst(name.count) } ?? a
        }
        do throws(OptionError) { try OptionTable(ImportanceConfig.options).parse(arguments: args, into: &c) } catch { throw CommandFailure(error.message) }
        return c
    }

    /// The --mask-exclude list, nil when not given.
    func excluded() throws -> Set<MaskExclusion>? {
        guard let maskExclude else { return nil }
        do throws(OptionError) {
            return Set(try CommaList.parse(maskExclude, what: "--mask-exclude", expected: "one of first, shortcut, last") { MaskExclusion(rawValue: $0) })
        } catch { throw CommandFailure(error.message) }
    }

    func lambdas(default d: Double) throws -> [Double] {
        guard let lambda else { return [d] }
        do throws(OptionError) {
            return try CommaList.parse(lambda, what: "--lambda", expected: "a number ≥ 0") { Double($0).flatMap { $0 >= 0 && $0.isFinite ? $0 : nil } }
        } catch { throw CommandFailure(error.message) }
    }

    private func histograms() throws {
        let folder = URL(fileURLWithPath: path ?? ".", isDirectory: true)
        let layout = RunLayout(directory: folder)
        guard FileManager.default.fileExists(atPath: layout.checkpoint.path) else {
            throw CommandFailure("\(layout.checkpoint.path): no checkpoint (importance needs a run folder with last.safetensors)")
        }
        var config: RunConfig
        do { config = try RunConfig.load(from: layout.config) } catch { throw CommandFailure(error.description) }
        config.validation = 0
        config.augment = false
        let dataRoot: URL
        do { dataRoot = try DataLocator.resolve(explicit: data) } catch { throw CommandFailure(error.description) }
        let (network, splits, _): (Network, DataSplits, (any Augmentation)?)
        do { (network, splits, _) = try TrainingRun.materialise(config, dataRoot: dataRoot) } catch { throw CommandFailure(error.description) }
        network.prepare(batch: config.training.batchSize)
        do { _ = try Checkpoint.load(from: layout.checkpoint, into: network, optimizer: nil) } catch { throw CommandFailure(error.description) }
        var scope = config.masks?.scope ?? MaskScope()
        if let e = try excluded() { scope.exclude = e }
        let targets = scope.select(from: network.store)
        guard !targets.isEmpty else { throw CommandFailure("no tensor left to compute importance for") }
        let base = try importanceConfig(base: config.masks?.importance ?? ImportanceConfig())
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
        let plot = HistogramPlot(title: "importance of \(network.name) (\(base.solve.rawValue), \(base.steps) steps, η \(base.eta))",
                                 xLabel: "log10 w", edges: edges, panels: panels)
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
