import ArgumentParser
import Foundation
import TensorCore
import Datasets
import Masks
import Training
import Experiments
import Options

/// `masklab prune`: one-shot pruning of a checkpoint by a criterion, physical removal of whole
/// channels (--structured), or (--benchmark) the cost of every criterion in training steps.
struct PruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Score a checkpoint's weights by a pruning criterion and write the mask, remove whole channels (--structured), or time the criteria.",
        discussion: """
        PATH is a run folder (config.json + last.safetensors), a checkpoint, or a safetensors file of \
        weights under PyTorch state_dict names with --config describing the model. The masked tensors \
        are the run's mask scope (else every conv and linear weight) minus --mask-exclude; each keeps \
        --keep of its highest scores (layerwise) or all keep --keep under one threshold (global); \
        --keep-output ranks the output layer on its own. Data-driven criteria score on \
        --criterion-batches training batches (seeded by --seed, default the run's); data-free ones \
        (\(CriterionRegistry.entries.filter { !$0.make(PruningConfig()).needsData }.map(\.name).joined(separator: ", "))) read no data. Writes \
        mask.safetensors (train it with `masklab lottery --levels 0 --transfer`), sparsity.csv, \
        prune.json, model.json (the model's run config, for masks compare) and command.txt into --out \
        (default: prune-<criterion>-keep<keep> beside the weights, with -global and -output<q> when \
        --scope global and --keep-output are given).

        Criteria: \(CriterionRegistry.entries.map { "\($0.name) — \($0.summary)" }.joined(separator: "; ")).

        --structured removes whole channels instead and writes a smaller dense model: --ratio of the \
        channels of every group (ResNets: inside each BasicBlock only — conv1's filters, bn1 and conv2's \
        inputs — so every residual sum keeps its width; conv2/4/6: every convolution and fc1, fc2; vgg: every convolution; \
        mlp: the hidden units), ranked by --criterion \(StructuredCriterionRegistry.names.joined(separator: " or ")) \
        (default l1-filter): \(StructuredCriterionRegistry.entries.map { "\($0.name) — \($0.summary)" }.joined(separator: "; ")). \
        Writes config.json (the pruned widths as modelOptions.channels / hidden), model.safetensors (a plain \
        PyTorch state_dict), model.py (its PyTorch module: model.build(), then load_state_dict(…, strict=True)), \
        structured.json and command.txt into --out (default: \
        prune-<criterion>-<ratio> beside the weights); no data is read. Fine-tune with \
        `masklab train --config OUT/config.json --init-from OUT/model.safetensors`, evaluate with \
        `masklab eval OUT/model.safetensors`, time with `masklab bench --pruned OUT`.

        --benchmark takes no PATH: it builds --model (default resnet18 --width 16) on random CIFAR-shaped \
        batches and prints each criterion's scoring time in training steps measured in the same process.

        CRITERION OPTIONS (as in `masklab lottery` and `train --mask prune`):
        \(OptionTable(PruningConfig.options).helpText(defaults: PruningConfig()))
        """
    )

    /// The weights (first, when not a flag) and the criterion options (`--criterion-batches 4`,
    /// …), read by `PruningConfig.options` as in `lottery`. One argument list because
    /// swift-argument-parser does not collect unrecognised flags next to an optional positional argument.
    @Argument(parsing: .allUnrecognized, help: ArgumentHelp("A run folder or weights file (not needed with --benchmark), then criterion options.", valueName: "path"))
    var arguments: [String] = []

    /// The run folder or weights file: the first argument when it is not a flag.
    var path: String? { arguments.first.flatMap { $0.hasPrefix("-") ? nil : $0 } }

    /// The criterion flags: the arguments after the path.
    var criterionFlags: ArraySlice<String> { path == nil ? arguments[...] : arguments.dropFirst() }

    @Option(name: .long, help: ArgumentHelp("Pruning criterion: \(CriterionRegistry.names.joined(separator: ", ")); with --structured \(StructuredCriterionRegistry.names.joined(separator: ", ")). Default: magnitude (structured: l1-filter).", valueName: "name"))
    var criterion: String?

    @Flag(name: .long, help: "Remove whole channels and write a smaller dense model (see the discussion).")
    var structured = false

    @Option(name: .long, help: "With --structured: share of each channel group removed, in [0, 1).")
    var ratio: Double?

    @Option(name: .long, help: "Share of the masked weights kept, in (0, 1].")
    var keep = 0.2

    @Option(name: .long, help: "Share of the output layer kept, ranked on its own (default: like the others).")
    var keepOutput: Double?

    @Option(name: .long, help: "layerwise (each tensor keeps --keep) or global (one threshold).")
    var scope = "layerwise"

    @Option(name: .long, help: ArgumentHelp("Tensors left dense: first, shortcut, last (default: the run's mask scope).", valueName: "first,shortcut,last"))
    var maskExclude: String?

    @Option(name: .long, help: "Weights of the reference point w0 for movement (a checkpoint or state_dict of the same model).")
    var reference: String?

    @Option(name: .long, help: "Seed of the batches, random scores and tie-breaking (default: the run's).")
    var seed: UInt64?

    @Option(name: .long, help: "Run config describing the model (default: config.json beside the weights).")
    var config: String?

    @Option(name: .long, help: "Data folder (default: $MASKLAB_DATA, ./data or ../shared/data).")
    var data: String?

    @Option(name: .long, help: "Output folder (default: prune-<criterion>-keep<keep>[-global][-output<q>] beside the weights).")
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

    /// The criterion options: the defaults, then the flags after the path.
    func pruningConfig() throws -> PruningConfig {
        var c = PruningConfig()
        do throws(OptionError) { try OptionTable(PruningConfig.options).parse(arguments: Array(criterionFlags), into: &c) } catch {
            throw ValidationError(error.message)
        }
        return c
    }

    func structuredJob() throws -> StructuredPrune {
        guard let ratio else { throw ValidationError("--structured needs --ratio, the share of each channel group removed, in [0, 1)") }
        var job = StructuredPrune(path: path ?? ".", criterion: criterion ?? "l1-filter", ratio: ratio)
        job.configFile = config
        job.out = out.map { URL(fileURLWithPath: $0, isDirectory: true) }
        job.overwrite = overwrite
        if let message = job.validationError() { throw ValidationError(message) }
        return job
    }

    func job() throws -> OneShotPrune {
        var job = OneShotPrune(path: path ?? ".", criterion: criterion ?? "magnitude", keep: keep)
        job.configFile = config
        job.pruning = try pruningConfig()
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
        try bench.requireBenchmark(benchmark)
        if benchmark {
            // It times the criteria on random data and writes nothing: what a pruning of a run reads is refused, not ignored.
            try refuseInapplicable([("PATH", path != nil), ("--out", out != nil), ("--data", data != nil), ("--config", config != nil),
                                    ("--overwrite", overwrite), ("--reference", reference != nil)],
                                   to: "--benchmark", because: "it times the criteria on random data and writes nothing")
        }
        // PATH is one folder or file; a second one lands among the criterion flags.
        if path != nil, let next = criterionFlags.first, !next.hasPrefix("-") {
            throw ValidationError("'\(next)': prune takes one run folder or weights file (run it once per run)")
        }
        if structured {
            if benchmark { throw ValidationError("--structured and --benchmark exclude each other") }
            _ = try structuredJob()
        } else {
            if ratio != nil { throw ValidationError("--ratio is the share of channels --structured removes; unstructured pruning takes --keep") }
            _ = try job()
        }
        _ = try benchmarkCriteria()
        if let threads, !(1...TrainingConfig.maxThreads).contains(threads) {
            throw ValidationError("--threads must be in [1, \(TrainingConfig.maxThreads)] (4 × the cores), got \(threads)")
        }
    }

    func run() throws {
        Parallel.setThreads(threads ?? ProcessInfo.processInfo.activeProcessorCount)
        if benchmark {
            let timing = ScoringBenchmark(model: bench.model, width: bench.width, batchSize: bench.batchSize, pruning: try pruningConfig(), criteria: try benchmarkCriteria())
            do { for line in try timing.run() { print(line) } } catch { throw CommandFailure(error.description) }
            return
        }
        if structured {
            do {
                let folder = try structuredJob().run(commandLine: CommandLine.arguments) { print($0) }
                print("wrote config.json, model.safetensors, model.py, structured.json in \(folder.path)")
            } catch let e as RunError { throw runFailure(e) }
            return
        }
        /// Resolved only when the criterion reads data.
        func dataRoot() throws(RunError) -> URL {
            do throws(DatasetError) { return try DataLocator.resolve(explicit: data) } catch { throw .dataset(error) }
        }
        do {
            let folder = try job().run(dataRoot: dataRoot, commandLine: CommandLine.arguments) { print($0) }
            print("wrote mask.safetensors, sparsity.csv, prune.json, model.json in \(folder.path)")
        } catch let e as RunError { throw runFailure(e) }
    }
}
