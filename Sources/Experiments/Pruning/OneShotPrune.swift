import Foundation
import Stats
import Layers
import Datasets
import Importance
import Masks
import Training

/// `masklab prune PATH`: scores the weights at PATH (a run folder, a checkpoint, or a PyTorch
/// state_dict in safetensors with a config describing the model) by one criterion and writes
/// the mask `MaskBuilder` makes from the scores:
///
///     mask.safetensors   F32 0/1 per masked tensor under the weights' names (as lottery masks;
///                        `masklab lottery --transfer` trains it)
///     sparsity.csv       tensor,entries,kept,pruned,density
///     prune.json         criterion, plan, options, seed, scoring seconds, kept/entries
///     model.json         the run config that describes the pruned model (`masks compare` reads
///                        it for effective density; not named config.json, which marks a run)
///     command.txt        command line, data folder, commit and machine
public struct OneShotPrune: Sendable {
    public var path: String
    /// A run config describing the model (default: config.json beside the weights).
    public var configFile: String?
    public var criterion: String
    public var pruning = PruningConfig()
    public var scope: MagnitudeScope = .layerwise
    /// The share kept, in (0, 1].
    public var keep: Double
    /// The output layer's share (nil: like the others).
    public var keepOutput: Double?
    /// nil: the run's masks scope (else every conv and linear weight).
    public var exclude: Set<MaskExclusion>?
    /// Weights of the reference point w0 (movement), a checkpoint or state_dict of the same model.
    public var reference: String?
    /// nil: the run's seed.
    public var seed: UInt64?
    public var out: URL?
    public var overwrite = false

    /// The file that records the pruning (criterion, sparsity, the weights read).
    static let recordFile = "prune.json"
    /// The config of the pruned model, beside the mask.
    public static let modelFile = "model.json"
    static let files = ["mask.safetensors", "sparsity.csv", recordFile, modelFile, "command.txt"]

    public init(path: String, criterion: String, keep: Double) {
        self.path = path
        self.criterion = criterion
        self.keep = keep
    }

    /// The output folder's name when `out` is not given, beside the weights: the criterion and the
    /// sparsity settings (keep share, global scope, output share), so that two prunings of one
    /// checkpoint at different sparsities get two folders (e.g. `prune-magnitude-keep0.2`,
    /// `prune-snip-keep0.1-global-output0.5`). Prunings that differ only in another setting (seed,
    /// exclusions, reference, batches) share the name: the second is refused without --overwrite.
    public var defaultFolderName: String {
        "prune-\(criterion)-keep\(String(format: "%g", keep))" + (scope == .global ? "-global" : "")
            + (keepOutput.map { "-output" + String(format: "%g", $0) } ?? "")
    }

    /// A message naming the first invalid setting, or nil.
    public func validationError() -> String? {
        if !CriterionRegistry.names.contains(criterion) {
            return PruningError.unknownCriterion(name: criterion, valid: CriterionRegistry.names).description
        }
        if !(keep > 0 && keep <= 1) { return "--keep must be in (0, 1], got \(keep)" }
        if let q = keepOutput, !(q > 0 && q <= 1) { return "--keep-output must be in (0, 1], got \(q)" }
        return pruning.validationError()
    }

    /// Scores, builds and writes the mask; returns the output folder and one line per tensor.
    /// `dataRoot` (the data folder) is asked for only when the criterion scores on training
    /// batches (`PruningCriterion.needsData`): a data-free criterion reads no data, and needs none.
    public func run(dataRoot: () throws(RunError) -> URL, commandLine: [String], say: (String) -> Void = { _ in }) throws(RunError) -> URL {
        if let message = validationError() { throw .config(path: "prune", message: message) }
        let rule: any PruningCriterion
        do throws(PruningError) { rule = try CriterionRegistry.make(criterion, config: pruning) } catch { throw .config(path: "prune", message: error.description) }
        let source = try WeightsSource.locate(path, config: configFile)
        var config = source.config
        config.validation = 0
        config.augment = false
        let network = try TrainingRun.network(config)
        network.prepare(batch: config.training.batchSize)
        var scopeRule = config.masks?.scope ?? MaskScope()
        if let exclude { scopeRule.exclude = exclude }
        let masked = scopeRule.select(from: network.store)
        guard !masked.isEmpty else { throw .config(path: "masks", message: "no tensor left to prune (scope \(scopeRule.exclude.map(\.rawValue).sorted()))") }
        var w0: [[Float]]?
        if let reference {
            _ = try WeightsSource.load(URL(fileURLWithPath: reference), into: network)
            w0 = masked.map { $0.value.toArray() }
        }
        let weights = try WeightsProvenance.reading(source.file, load: { () throws(RunError) in try WeightsSource.load(source.file, into: network) },
                                                     contents: { $0 }).provenance
        if let warning = weights.warning(role: "the weights") { say(warning) }
        let runSeed = seed ?? config.training.seed
        var dataFolder: URL?
        let batches = try rule.scoringBatches(count: pruning.batches, batchSize: config.training.batchSize, sampleShape: network.sampleShape,
                                              seed: runSeed, round: 0) { () throws(RunError) -> Dataset? in
            do throws(RunError) {
                let root = try dataRoot()
                dataFolder = root
                return try TrainingRun.splits(config, dataRoot: root).train
            } catch {
                if case .setting = error { throw error }   // a setting the data refutes stays a usage error
                throw .config(path: "prune", message: "\(criterion) scores the weights on training batches (--criterion-batches \(pruning.batches)) "
                              + "of \(config.training.dataset), which cannot be read: \(error.description)")
            }
        }
        let outDir = out ?? source.file.deletingLastPathComponent().appendingPathComponent(defaultFolderName, isDirectory: true)
        let folder = try RunFolder.open(outDir, commandLine: commandLine, results: Self.files, holds: "a pruning mask",
                                        reuse: overwrite ? .overwrite : .refuse, choices: ["replace it with --overwrite", "choose another --out"],
                                        writer: "prune")
        defer { folder.close() }

        let streams = RandomStreams(seed: runSeed)
        let context = ScoringContext(network: network, parameters: masked, reference: w0, batches: batches, config: pruning,
                                     importance: config.masks?.importance ?? ImportanceConfig()) { streams.stream(.pruning, masked[$0].index) }
        let plan = PruningPlan(scope: scope, amount: .keep(keep), output: keepOutput.map { .keep($0) })
        let started = DispatchTime.now().uptimeNanoseconds
        let values: [[Float]]
        do throws(PruningError) { values = try MaskBuilder.build(rule, context: context, plan: plan, seed: runSeed, step: 0) } catch { throw .config(path: "prune", message: error.description) }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) * 1e-9
        let mask = LotteryMask(tensors: masked.indices.map { LotteryMask.MaskedTensor(name: masked[$0].name, shape: masked[$0].shape.dims, values: values[$0]) })
        try mask.write(to: outDir.appendingPathComponent("mask.safetensors"), metadata: ["criterion": criterion, "keep": String(keep)])
        try folder.write(mask.sparsityCSV(), to: "sparsity.csv")
        let report: [String: Any] = [
            "criterion": criterion, "keep": keep, "keepOutput": keepOutput as Any? ?? NSNull(), "scope": scope.rawValue,
            "exclude": scopeRule.exclude.map(\.rawValue).sorted(), "weights": source.file.path, "weightsRead": weights.text, "reference": reference as Any? ?? NSNull(),
            "seed": runSeed, "batches": pruning.batches, "synflowRounds": pruning.synflowRounds, "graspTemperature": pruning.graspTemperature,
            "entries": mask.entries, "kept": mask.kept, "density": mask.density, "seconds": seconds,
        ]
        let json: Data
        do { json = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys]) } catch {
            throw .output(path: outDir.path, message: "cannot encode prune.json: \(error)")
        }
        try folder.write(String(decoding: json, as: UTF8.self) + "\n", to: Self.recordFile)
        try folder.write(source.config.jsonText(), to: Self.modelFile)
        try folder.writeCommand([("weights", weights.text), ("data", dataFolder?.path ?? "none read (\(criterion) is data-free)")])
        for t in mask.tensors {
            say(String(format: "%-28@ %9d entries, %9d kept (%.2f%%)", t.name, t.count, t.kept, 100 * Double(t.kept) / Double(max(t.count, 1))))
        }
        say(String(format: "%@: kept %d of %d masked weights (%.2f%%) in %.2f s", criterion, mask.kept, mask.entries, 100 * mask.density, seconds))
        return outDir
    }
}
