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
        PATH is a run folder (config.json + last.safetensors), or a safetensors file of weights under \
        PyTorch state_dict names with --config describing the model. The solver runs on --importance-batches training \
        batches (no augmentation) for the run's masked tensors (its "masks" scope, else all conv and \
        linear weights minus --mask-exclude). With several --lambda values (e.g. 0,1) each is solved \
        from the same start and the histograms are overlaid. Writes stats.csv, histograms.csv and \
        histograms.svg into --out (default: <run folder>/importance); results already there are refused \
        without --overwrite.

        --benchmark takes no PATH: it builds --model (default resnet18 --width 16) on random CIFAR-shaped \
        data and measures a training step, a joint and a per-layer solve of --timed-steps steps, and the \
        per-step mask sampling, then prints the refresh cost in training-step equivalents (the once-paid \
        part plus the steps) and as a share of training (50 000 images per epoch) for the default and \
        the seed's configuration: the median of --repeats rounds, each timing the training step afresh.

        SOLVER OPTIONS (as in `masklab train`; default: the run's). Without --importance-gamma, γ is the \
        run's base learning rate (a one-shot solve has no place in the schedule); command.txt records the \
        settings solved with.
        \(OptionTable(solverOptions).helpText(defaults: ImportanceConfig()))
        """
    )


    @Option(name: .long, help: "Run config describing the model and data (default: config.json beside the weights).")
    var config: String?

    @Option(name: .long, help: "Data folder (default: $MASKLAB_DATA, ./data or ../shared/data).")
    var data: String?

    @Option(name: .long, help: "Output folder (default: <run folder>/importance).")
    var out: String?

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("KL-to-uniform strengths λ, comma-separated; each is solved and overlaid. Default: the run's (or --importance-lambda).", valueName: "λ1,λ2"))
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

    /// The solver settings of `train` that a one-shot solve reads: all but the refresh schedule
    /// (`--importance-refresh-epochs|iterations`, which say when a training run solves again).
    static var solverOptions: [ConfigOption<ImportanceConfig>] {
        ImportanceConfig.options.filter { !$0.key.hasPrefix("refresh") }
    }

    /// Spellings of this command before the solver flags were shared with `train`, still accepted.
    static let renamed = ["--eta": "--importance-eta", "--steps": "--importance-steps", "--batches": "--importance-batches",
                          "--gamma": "--importance-gamma", "--solve": "--importance-solve",
                          "--initialisation": "--importance-init", "--normalisation": "--importance-normalisation"]

    @Option(name: .long, help: ArgumentHelp("Tensors left out of the solve: first, shortcut, last. Replaces the run's masks scope exclusions (default: the run's; none for a run without masks).", valueName: "first,shortcut,last"))
    var maskExclude: String?

    @Option(name: .long, help: "Threads. Default: all cores.")
    var threads: Int?

    @Flag(name: .long, help: "Replace the results the output folder holds (refused without it).")
    var overwrite = false

    @Flag(name: .long, help: "Time the solver instead (see the discussion).")
    var benchmark = false

    @OptionGroup var bench: BenchmarkModelOptions

    @Option(name: .customLong("timed-steps"), help: "Benchmark: steps timed per tensor (per-layer) and per joint solve (default 6).")
    var givenTimedSteps: Int?
    var timedSteps: Int { givenTimedSteps ?? 6 }

    @Option(name: .customLong("repeats"), help: "Benchmark: rounds of (training step, joint solve, per-layer solve) timings; the report gives their median (default 3).")
    var givenRepeats: Int?
    var repeats: Int { givenRepeats ?? 3 }

    func validate() throws {
        if !benchmark && path == nil { throw ValidationError("give a run folder, or --benchmark") }
        // PATH is one folder; a second one lands among the solver flags.
        if path != nil, let next = solverFlags.first, !next.hasPrefix("-") {
            throw ValidationError("'\(next)': importance takes one run folder (run it once per run)")
        }
        _ = try importanceConfig(base: ImportanceConfig())
        _ = try excluded()
        _ = try lambdas()
        if let threads, !(1...TrainingConfig.maxThreads).contains(threads) {
            throw ValidationError("--threads must be in [1, \(TrainingConfig.maxThreads)] (4 × the cores), got \(threads)")
        }
        if timedSteps < 1 { throw ValidationError("--timed-steps must be ≥ 1") }
        if repeats < 1 { throw ValidationError("--repeats must be ≥ 1, got \(repeats)") }
        try bench.requireBenchmark(benchmark, extra: (givenTimedSteps == nil ? [] : ["--timed-steps"]) + (givenRepeats == nil ? [] : ["--repeats"]))
        if benchmark {
            // What only a solve of a run reads is refused rather than ignored.
            try refuseInapplicable([("PATH", path != nil), ("--lambda", lambda != nil), ("--out", out != nil), ("--config", config != nil),
                                    ("--data", data != nil), ("--overwrite", overwrite)]
                                   + solverFlags.filter { $0.hasPrefix("--") }.map { (String($0.prefix { $0 != "=" }), true) },
                                   to: "--benchmark", because: "it times the default and the seed's solver settings on random data and writes nothing")
        }
        if lambda != nil, solverFlags.contains(where: { $0 == "--importance-lambda" || $0.hasPrefix("--importance-lambda=") }) {
            throw ValidationError("give --lambda (one or several λ) or --importance-lambda, not both")
        }
    }

    func run() throws {
        Parallel.setThreads(threads ?? ProcessInfo.processInfo.activeProcessorCount)
        let exclude = try excluded()
        if benchmark {
            let benchmark = ImportanceBenchmark(model: bench.model, width: bench.width, batchSize: bench.batchSize, timedSteps: timedSteps, repeats: repeats, exclude: exclude)
            do { for line in try benchmark.run() { print(line) } } catch { throw CommandFailure(error.description) }
            return
        }
        let dataRoot: URL
        do { dataRoot = try DataLocator.resolve(explicit: data) } catch { throw CommandFailure(error.description) }
        let lambdaList = try lambdas()
        do {
            let folder = try ImportanceHistograms.run(path: path ?? ".", config: config, dataRoot: dataRoot,
                                                      out: out.map { URL(fileURLWithPath: $0, isDirectory: true) }, overwrite: overwrite,
                                                      lambdas: lambdaList, exclude: exclude, commandLine: CommandLine.arguments,
                                                      settings: { base in (try? importanceConfig(base: base)) ?? base }) { print($0) }
            print("wrote stats.csv, histograms.csv, histograms.svg in \(folder.path)")
        } catch { throw runFailure(error) }
    }

    /// Options from the run, overridden by the solver flags.
    func importanceConfig(base: ImportanceConfig) throws -> ImportanceConfig {
        var c = base
        let args = solverFlags.map { a in
            let name = String(a.prefix { $0 != "=" })
            return Self.renamed[name].map { $0 + a.dropFirst(name.count) } ?? a
        }
        do throws(OptionError) { try OptionTable(Self.solverOptions).parse(arguments: args, into: &c) } catch { throw ValidationError(error.message) }
        return c
    }

    /// The --mask-exclude list, nil when not given.
    func excluded() throws -> Set<MaskExclusion>? {
        guard let maskExclude else { return nil }
        do throws(OptionError) {
            return Set(try CommaList.parse(maskExclude, what: "--mask-exclude", expected: "one of first, shortcut, last") { MaskExclusion(rawValue: $0) })
        } catch { throw ValidationError(error.message) }
    }

    /// --lambda as numbers (nil: the run's).
    func lambdas() throws -> [Double]? {
        guard let lambda else { return nil }
        do throws(OptionError) {
            return try CommaList.parse(lambda, what: "--lambda", expected: "a number ≥ 0") { Double($0).flatMap { $0 >= 0 && $0.isFinite ? $0 : nil } }
        } catch { throw ValidationError(error.message) }
    }
}
