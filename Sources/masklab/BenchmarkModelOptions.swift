import ArgumentParser
import Models
import Training

/// The model a `--benchmark` mode times against its training step (`importance`, `prune`).
struct BenchmarkModelOptions: ParsableArguments {
    @Option(name: .long, help: "Benchmark: model.")
    var model = "resnet18"

    @Option(name: .long, help: "Benchmark: width.")
    var width = 16

    @Option(name: .long, help: "Benchmark: batch size.")
    var batchSize = 128

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
