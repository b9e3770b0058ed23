import Foundation
import TensorCore
import Layers
import Models

extension RunConfig {
    /// The subsets checked against the loaded splits (0 = all; more than the split is refused,
    /// not silently read as "all"), or nil when they fit.
    public func subsetError(trainCount: Int, testCount: Int) -> String? {
        if trainSubset > trainCount {
            return "trainSubset must be in [0, \(trainCount)] (0 = all; the training split of \(training.dataset) has \(trainCount) images after the validation hold-out), got \(trainSubset)"
        }
        if testSubset > testCount {
            return "testSubset must be in [0, \(testCount)] (0 = all; the test split of \(training.dataset) has \(testCount) images), got \(testSubset)"
        }
        return nil
    }

    /// A rough estimate of the memory training needs, in bytes, and the parameter count it
    /// assumes: parameters × 16 bytes (weights, gradients, optimiser state, mask) plus the
    /// activations of a training and an evaluation batch. MLP activations are counted layer by
    /// layer; convolutional models are probed at width 8 and scaled (parameters ∝ width²,
    /// activations ∝ width, ≈ 10 MB per 32×32 image at width 64, as `masklab bench` measures for
    /// ResNet-18). Nil when the model cannot be built (its own error is reported later).
    public func memoryEstimate(sampleShape: Shape, classes: Int) -> (bytes: Double, parameters: Double)? {
        let t = training
        let batch = Double(t.batchSize) + Double(t.evalBatchSize) / 3
        let pixels = Double(sampleShape.count)
        if t.model == "mlp" {
            let widths = [Int(pixels)] + (t.modelOptions.hidden ?? [300, 100]) + [classes]
            let parameters = zip(widths, widths.dropFirst()).reduce(0.0) { $0 + Double($1.0 + 1) * Double($1.1) }
            let activations = Double(widths.reduce(0, +)) * 4 * 4 * batch
            return (parameters * 16 + activations, parameters)
        }
        // A model that reads --width is probed at width 8 and scaled; one that does not, as it is.
        let readsWidth = ModelRegistry.entry(t.model)?.reads(.width) ?? false
        let width = readsWidth ? Double(t.modelOptions.width ?? 64) : 8
        var probe = t.modelOptions
        if readsWidth { probe.width = 8 }
        guard let network = try? ModelRegistry.make(t.model, sampleShape: sampleShape, classes: classes, options: probe) else { return nil }
        let parameters = Double(network.store.count) * (width / 8) * (width / 8)
        let perImage = 10e6 * (width / 64) * (pixels / Double(3 * 32 * 32))
        return (parameters * 16 + perImage * batch, parameters)
    }

    /// The estimate checked against physical memory, or nil when it fits.
    public func memoryError(sampleShape: Shape, classes: Int,
                            physicalMemory: UInt64 = ProcessInfo.processInfo.physicalMemory) -> String? {
        guard let (bytes, parameters) = memoryEstimate(sampleShape: sampleShape, classes: classes),
              bytes > Double(physicalMemory) else { return nil }
        return String(format: "the run needs about %.1f GB (%.3g parameters, batch %d, eval batch %d), more than this machine's %.1f GB of memory; lower batchSize, evalBatchSize, width or hidden",
                      bytes / 1e9, parameters, training.batchSize, training.evalBatchSize, Double(physicalMemory) / 1e9)
    }
}
