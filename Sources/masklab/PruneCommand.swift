import ArgumentParser
import Foundation
import TensorCore
import Datasets
import Masks
import Training
import Experiments
import Options

/// `masklab prune`: one-shot pruning of a checkpoint by a criterion (or, with --benchmark, the
/// cost of every criterion in training steps).
struct PruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Score a checkpoint's weights by a pruning criterion and write the mask (or time the criteria).",
        discussion: """
        PATH is a run folder (config.json + last.safetensors), a checkpoint, or a safetensors file of \
        weights under PyTorch state_dict names with --config describing the model. The masked tensors \
        are the run's mask scope (else every conv and linear weight) minus --mask-exclude; each keeps \
        --keep of its highest scores (layerwise) or all keep --keep under one threshold (global); \
        --keep-output ranks the output layer on its own. Data-driven criteria score on \
        --criterion-batches training batches (seeded by --seed, default the run's). Writes \
        mask.safetensors (train it with `masklab lottery --levels 0 --transfer`), sparsity.csv, \
        prune.json and command.txt into --out (default: prune-<criterion> beside the weights).

        Criteria: \(CriterionRegistry.entries.map { "\($0.name) — \($0.summary)" }.joined(separator: "; ")).

        --benchmark ignores PATH: it builds --model (default resnet18 --width 16) on random CIFAR-shaped \
        batches and prints each criterion's scoring time in training steps measured in the same process.
        """
    )

    @Argument(help: "A run folder or weights file (not needed with --benchmark).")
    var path: String?

    @Option(name: .long, help: ArgumentHelp("Pruning criterion: \(CriterionRegistry.names.joined(separator: ", ")).", valueName: "name"))
    var criterion = "magnitude"

    @Option(name: .long, help: "Share of the masked weights kept, in (0, 1]. Default: 0.2.")
    var keep = 0.2

    @Option(name: .long, help: "Share of the output layer kept, ranked on its own (default: like the others).")
    var keepOutput: Double?

    @Option(name: .long, help: "layerwise (each tensor keeps --keep) or global (one threshold). Default: layerwise.")
    var scope = "layerwise"

    @Option(name: .long, help: ArgumentHelp("Tensors left dense: first, shortcut, last (default: the run's mask scope).", valueName: "first,shortcut,last"))
    var maskExclude: String?

    @Option(name: .long, help: "Weights of the reference point w0 for movement (a checkpoint or state_dict of the same model).")
    var reference: String?

    @Option(name: .long, help: "Training batches the data-driven criteria score on. Default: 1.")
    var criterionBatches = 1

    @Option(name: .long, help: "SynFlow rounds. Default: 100.")
    var synflowRounds = 100

    @Option(name: .long, help: "GraSP temperature. Default: 200.")
    var graspTemperature = 200.0

    @Option(name: .long, help: "Seed of the batches, random scores and tie-breaking (default: the run's).")
    var seed: UInt64?

    @Option(name: .long, help: "Run config describing the model (default: config.json beside the weights).")
    var config: String?

    @Option(name: .long, help: "Data folder (default: $MASKLAB_DATA, ./data or ../shared/data).")
    var data: String?

    @Option(name: .long, help: "Output folder (default: prune-<criterion> beside the weights).")
    var out: String?

    @Flag(name: .long, help: "Replace the results the output folder holds (refused without it).")
    var overwrite = false

    @Option(name: .long, help: "Threads. Default: all cores.")
    var threads: Int?

    @Flag(name: .long, help: "Time every criterion instead (see the discussion).")
    var benchmark = false

    @OptionGroup var bench: BenchmarkModelOptions

    @Option(name: .long, help: ArgumentHelp("Benchmark: criteria to time (default: all).", valueName: "a,b"))
    var criteria: String?

    func pruningConfig() -> PruningConfig {
        var c = PruningConfig()
        c.batches = criterionBatches
        c.synflowRounds = synflowRounds
        c.graspTemperature = graspTemperature
        return c
    }

    func job() throws -> OneShotPrune {
        var job = OneShotPrune(path: path ?? ".", criterion: criterion, keep: keep)
        job.configFile = config
        job.pruning = pruningConfig()
        guard let s = MagnitudeScope(rawValue: scope) else { throw ValidationError("--scope must be layerwise or global, got '\(scope)'") }
        job.scope = s
        job.keepOutput = keepOutput
        if let maskExclude {
            do throws(OptionError) {
                job.exclude = Set(try CommaList.parse(maskExclude, what: "--mask-exclude", expected: "one of first, shortcut, last") { MaskExclusion(rawValue: $0) })
            } catch { throw ValidationError(error.message) }
        }
        job.reference = reference
        job.seed = seed
        job.out = out.map { URL(fileURLWithPath: $0, isDirectory: true) }
        job.overwrite = overwrite
        if let message = job.validationError() { throw ValidationError(message) }
        return job
    }

    func benchmarkCriteria() throws -> [String] {
        guard let criteria else { return CriterionRegistry.names }
        guard let list = CommaList.split(criteria) else { throw ValidationError("--criteria: expected comma-separated names without empty items, got '\(criteria)'") }
        for name in list where !CriterionRegistry.names.contains(name) {
            throw ValidationError(PruningError.unknownCriterion(name: name, valid: CriterionRegistry.names).description)
        }
        return list
    }

    func validate() throws {
        if !benchmark && path == nil { throw ValidationError("give a run folder or weights file, or --benchmark") }
        _ = try job()
        _ = try benchmarkCriteria()
        if let threads, !(1...TrainingConfig.maxThreads).contains(threads) {
            throw ValidationError("--threads must be in [1, \(TrainingConfig.maxThreads)] (4 × the cores), got \(threads)")
        }
    }

    func run() throws {
        Parallel.setThreads(threads ?? ProcessInfo.processInfo.activeProcessorCount)
        if benchmark {
            let timing = ScoringBenchmark(model: bench.model, width: bench.width, batchSize: bench.batchSize, pruning: pruningConfig(), criteria: try benchmarkCriteria())
            do { for line in try timing.run() { print(line) } } catch { throw CommandFailure(error.description) }
            return
        }
        let dataRoot: URL
        do { dataRoot = try DataLocator.resolve(explicit: data) } catch { throw CommandFailure(error.description) }
        do {
            let folder = try job().run(dataRoot: dataRoot, commandLine: CommandLine.arguments) { print($0) }
            print("wrote mask.safetensors, sparsity.csv, prune.json in \(folder.path)")
        } catch let e as RunError { throw CommandFailure(e.description) }
    }
}
