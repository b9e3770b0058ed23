import ArgumentParser
import Models
import Training

/// The model a `--benchmark` mode times against its training step (`importance`, `prune`).
/// The options are optional so that a command can refuse them outside `--benchmark`
/// (`requireBenchmark`) instead of ignoring them; the values are read through `model`,
/// `width` and `batchSize`, which apply the defaults.
struct BenchmarkModelOptions: ParsableArguments {
    @Option(name: .customLong("model"), help: "Benchmark: model (default resnet18).")
    var givenModel: String?

    @Option(name: .customLong("width"), help: "Benchmark: width (default 16).")
    var givenWidth: Int?

    @Option(name: .customLong("batch-size"), help: "Benchmark: batch size (default 128).")
    var givenBatchSize: Int?

    var model: String { givenModel ?? "resnet18" }
    var width: Int { givenWidth ?? 16 }
    var batchSize: Int { givenBatchSize ?? 128 }

    /// The flags given, as spelled on the command line.
    var given: [String] {
        (givenModel == nil ? [] : ["--model"]) + (givenWidth == nil ? [] : ["--width"]) + (givenBatchSize == nil ? [] : ["--batch-size"])
    }

    /// Refuses benchmark-only flags without `--benchmark` (a run's own model is what is solved or pruned).
    func requireBenchmark(_ benchmark: Bool, extra: [String] = []) throws {
        let stray = given + extra
        if !benchmark, !stray.isEmpty {
            throw ValidationError("\(stray.joined(separator: ", ")) \(stray.count == 1 ? "applies" : "apply") to --benchmark only "
                                  + "(the run's own config says its model)")
        }
    }

    func validate() throws {
        if !ModelRegistry.names.contains(model) {
            throw ValidationError("unknown model '\(model)'; valid models: \(ModelRegistry.names.joined(separator: ", "))")
        }
        if !(1...ModelOptions.maxWidth).contains(width) { throw ValidationError("--width must be in [1, \(ModelOptions.maxWidth)], got \(width)") }
        if !(1...TrainingConfig.maxBatchSize).contains(batchSize) {
            throw ValidationError("--batch-size must be in [1, \(TrainingConfig.maxBatchSize)], got \(batchSize)")
        }
    }
}
