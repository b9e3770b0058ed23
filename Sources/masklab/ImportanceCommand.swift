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
        histograms.svg into --out (default: <run folder>/importance); results already there are refused \
        without --overwrite.

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

    @Flag(name: .long, help: "Replace the results the output folder holds (refused without it).")
    var overwrite = false

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
        let exclude = try maskExclusions()
        if benchmark {
            let benchmark = ImportanceBenchmark(model: model, width: width, batchSize: batchSize, timedSteps: timedSteps, exclude: exclude)
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
                                                      settings: importanceConfig(base:)) { print($0) }
            print("wrote stats.csv, histograms.csv, histograms.svg in \(folder.path)")
        } catch { throw CommandFailure(error.description) }
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

    /// --lambda as numbers (nil: the run's).
    func lambdas() throws -> [Double]? {
        guard let lambda else { return nil }
        let v = lambda.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !v.isEmpty, v.allSatisfy({ ($0 ?? -1) >= 0 }) else { throw CommandFailure("--lambda expects values ≥ 0 such as 0,1; got '\(lambda)'") }
        return v.compactMap { $0 }
    }

    /// --mask-exclude as exclusions (nil: not given); an unknown name is refused with the valid ones.
    func maskExclusions() throws -> Set<MaskExclusion>? {
        guard let maskExclude else { return nil }
        return Set(try maskExclude.split(separator: ",").map { part -> MaskExclusion in
            guard let e = MaskExclusion(rawValue: part.trimmingCharacters(in: .whitespaces)) else {
                throw CommandFailure("--mask-exclude: unknown '\(part)'; valid: \(MaskExclusion.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return e
        })
    }
}
