import Foundation
import TensorCore
import Stats
import Layers
import Models
import Datasets
import Masks
import Training

/// `masklab prune --structured`: removes the share `ratio` of the channels of every channel group
/// (`ChannelGroup`: ResNets inside each BasicBlock only, conv nets and VGG every convolution
/// but the output path, MLP hidden units) of the weights at `path`, ranked by a structured
/// criterion, and writes the smaller dense model:
///
///     config.json        the run config with the pruned widths (modelOptions.channels / hidden):
///                        `masklab train --config`, `eval` and `bench --pruned` read it
///     model.safetensors  the pruned weights as a plain PyTorch state_dict (F32 tensors, I64
///                        num_batches_tracked, PyTorch names): `masklab eval DIR/model.safetensors`,
///                        `train --init-from`, and `load_state_dict(..., strict=True)` of the
///                        narrowed PyTorch module
///     model.py           the PyTorch module of the pruned model (`PyTorchTwin`): `model.build()`
///                        then `load_state_dict(load_file("model.safetensors"), strict=True)`
///     structured.json    criterion, ratio, the dense model's options, per group its width and
///                        kept channels, parameters and forward MACs dense vs pruned
///     command.txt        command line, commit and machine
///
/// Data-free: the criteria read only the weights, so no dataset is loaded.
public struct StructuredPrune: Sendable {
    public var path: String
    /// A run config describing the model (default: config.json beside the weights).
    public var configFile: String?
    public var criterion: String
    /// The share of each group's channels removed, in [0, 1).
    public var ratio: Double
    public var out: URL?
    public var overwrite = false

    public static let modelFile = "model.safetensors"
    public static let reportFile = "structured.json"
    static let files = [RunLayout.configFile, modelFile, PyTorchTwin.file, reportFile, RunLayout.commandFile]

    public init(path: String, criterion: String, ratio: Double) {
        self.path = path
        self.criterion = criterion
        self.ratio = ratio
    }

    /// A message naming the first invalid setting, or nil.
    public func validationError() -> String? {
        if !StructuredCriterionRegistry.names.contains(criterion) {
            return PruningError.unknownCriterion(name: criterion, valid: StructuredCriterionRegistry.names).description
        }
        if !(ratio >= 0 && ratio < 1) { return "--ratio must be in [0, 1), got \(ratio)" }
        return nil
    }

    /// The sample shape and class count of `dataset`, known without loading it.
    public static func sampleShape(dataset: String) throws(RunError) -> (Shape, Int) {
        switch dataset {
        case MNIST.name: return (MNIST.sampleShape, MNIST.classes)
        case CIFAR10.name: return (CIFAR10.sampleShape, CIFAR10.classes)
        default: throw .config(path: "training.dataset", message: "structured pruning knows the sample shapes of \(MNIST.name) and \(CIFAR10.name), got '\(dataset)'")
        }
    }

    /// The pruned model of `dense` (built from `config`): the selection, the network and its config.
    public static func prune(_ dense: Network, config: RunConfig, criterion: String, ratio: Double) throws(RunError) -> (selection: StructuredSelection, network: Network, config: RunConfig) {
        let selection: StructuredSelection
        do {
            selection = try StructuredSelection.select(ChannelGroup.groups(of: dense), criterion: try StructuredCriterionRegistry.make(criterion), ratio: ratio)
        } catch { throw .config(path: "prune", message: error.description) }
        let pruned: (network: Network, options: ModelOptions)
        do { pruned = try StructuredPruning.prune(dense, model: config.training.model, options: config.training.modelOptions, selection: selection) } catch {
            throw .config(path: "prune", message: error.description)
        }
        var c = config
        c.training.modelOptions = pruned.options
        return (selection, pruned.network, c)
    }

    /// The weights of `network` as a plain state_dict file (no MaskLab metadata but the model's name).
    public static func stateDict(_ network: Network) -> SafetensorsFile {
        let s = network.store
        var tensors = s.parameters.map { SafetensorsTensor(name: $0.name, shape: $0.shape.dims, floats: $0.value.pointer, count: $0.value.count) }
        tensors += s.buffers.map { SafetensorsTensor(name: $0.name, shape: $0.shape.dims, floats: $0.value.pointer, count: $0.value.count) }
        tensors += s.counters.map { SafetensorsTensor(name: $0.name, shape: [], int64s: [$0.value]) }
        return SafetensorsFile(tensors: tensors, metadata: ["model": network.name])
    }

    /// Prunes and writes the folder; returns it. `say` gets one line per group and a summary.
    public func run(commandLine: [String], say: (String) -> Void = { _ in }) throws(RunError) -> URL {
        if let message = validationError() { throw .config(path: "prune", message: message) }
        let source = try WeightsSource.locate(path, config: configFile)
        let config = source.config
        let (shape, classes) = try Self.sampleShape(dataset: config.training.dataset)
        let dense: Network
        do { dense = try ModelRegistry.make(config.training.model, sampleShape: shape, classes: classes, options: config.training.modelOptions) } catch {
            throw .model(error)
        }
        _ = try WeightsSource.load(source.file, into: dense)
        let (selection, network, prunedConfig) = try Self.prune(dense, config: config, criterion: criterion, ratio: ratio)

        let tag = String(format: "%g", ratio)
        let outDir = out ?? source.file.deletingLastPathComponent().appendingPathComponent("prune-\(criterion)-\(tag)", isDirectory: true)
        let configText = try RunFolder.encodeJSON(prunedConfig, path: outDir.appendingPathComponent(RunLayout.configFile).path)
        let folder = try RunFolder.open(outDir, commandLine: commandLine, results: Self.files, holds: "a pruned model",
                                        reuse: overwrite ? .overwrite : .refuse, choices: ["replace it with --overwrite", "choose another --out"],
                                        writer: "prune")
        defer { folder.close() }
        try folder.write(configText + "\n", to: RunLayout.configFile)
        do { try Self.stateDict(network).write(to: folder.file(Self.modelFile)) } catch {
            throw .output(path: folder.file(Self.modelFile).path, message: error.description)
        }
        let report = StructuredPruneReport(criterion: criterion, ratio: ratio, weights: source.file.path, model: config.training.model,
                                           denseOptions: config.training.modelOptions, prunedOptions: prunedConfig.training.modelOptions,
                                           selection: selection, dense: dense, pruned: network)
        if let twin = PyTorchTwin.source(model: prunedConfig.training.model, options: prunedConfig.training.modelOptions,
                                         sampleShape: shape.dims, classes: classes) {
            try folder.write(twin, to: PyTorchTwin.file)
        }
        try folder.writeJSON(report, to: Self.reportFile)
        try folder.writeCommand([("weights", source.file.path)])
        for g in report.groups {
            // (%-24@ does not pad on Linux)
            say(g.name.padding(toLength: max(24, g.name.count), withPad: " ", startingAt: 0) + String(format: " %5d → %5d channels", g.width, g.kept.count))
        }
        say(report.summary)
        return outDir
    }
}

/// `structured.json`: what a structured pruning removed and what it saves.
public struct StructuredPruneReport: Codable, Sendable {
    public struct Group: Codable, Sendable {
        public var name: String
        public var width: Int
        public var kept: [Int]
    }

    public var criterion: String
    public var ratio: Double
    public var weights: String
    public var model: String
    public var denseOptions: ModelOptions
    public var prunedOptions: ModelOptions
    public var groups: [Group]
    public var denseParameters: Int
    public var prunedParameters: Int
    /// Forward multiply-accumulates per sample (training costs 3× both).
    public var denseForwardMACs: Int
    public var prunedForwardMACs: Int

    /// The FLOP reduction, 1 − pruned/dense MACs (forward and training alike).
    public var flopReduction: Double

    public init(criterion: String, ratio: Double, weights: String, model: String, denseOptions: ModelOptions, prunedOptions: ModelOptions,
                selection: StructuredSelection, dense: Network, pruned: Network) {
        self.criterion = criterion
        self.ratio = ratio
        self.weights = weights
        self.model = model
        self.denseOptions = denseOptions
        self.prunedOptions = prunedOptions
        groups = selection.names.indices.map { Group(name: selection.names[$0], width: selection.widths[$0], kept: selection.channels[$0]) }
        denseParameters = dense.parameterCount
        prunedParameters = pruned.parameterCount
        dense.prepare(batch: 1)
        pruned.prepare(batch: 1)
        denseForwardMACs = dense.forwardMACsPerSample
        prunedForwardMACs = pruned.forwardMACsPerSample
        flopReduction = 1 - Double(prunedForwardMACs) / Double(max(denseForwardMACs, 1))
    }

    /// One line: parameters and MACs dense → pruned.
    public var summary: String {
        String(format: "%@ %.2f: parameters %d → %d (%.1f%%), forward MACs/sample %d → %d (FLOP reduction %.1f%%)", criterion, ratio,
               denseParameters, prunedParameters, 100 * Double(prunedParameters) / Double(max(denseParameters, 1)),
               denseForwardMACs, prunedForwardMACs, 100 * flopReduction)
    }
}
