import Foundation
import Training
import Datasets
import Masks
import Options

/// Everything that defines one training run: the trainer's `TrainingConfig` plus the data
/// choices the trainer does not make (validation hold-out, augmentation, subsets) and the masks.
///
/// One declaration per option: `RunConfig()` is the default job (the property initialisers of
/// this record and the records it holds are the only defaults), and `table` lists every option
/// with its config key, flag, help and valid range. Config files (JSON or YAML, one flat object
/// such as `{"model": "mlp", "optimizer": {"learningRate": 0.05}, "validation": 5000}`), the
/// `masklab` flags, `--set key.path=value` and `--print-config` all go through that table, so
/// a partial file and the flags start from the same defaults and unknown keys fail at any depth.
public struct RunConfig: Sendable, Equatable {
    public var training: TrainingConfig
    /// Samples held out of the training set for validation (seeded split), 0 = none.
    public var validation: Int = 0
    /// Training augmentation: nil = the dataset's standard one (CIFAR-10: crop + flip; MNIST: none).
    public var augment: Bool?
    /// Weight masks (DropConnect, importance, pruning): nil = none. Key "masks".
    public var masks: MaskConfig?
    /// Only these classes of the dataset (original labels, relabelled 0…k−1 in this order, see
    /// `ClassSelection`), e.g. `[0, 1, 8, 9]` for CIFAR-10's vehicles; nil = all classes.
    public var classes: [Int]?
    /// Train on this many images of the training split (seeded choice, see `TrainSubset`), 0 = all.
    public var trainSubset: Int = 0
    /// Evaluate on this many images of the test split (one fixed seeded choice for every run), 0 = all.
    public var testSubset: Int = 0
    /// TensorBoard: also log the training step's scalars every this many iterations, 0 = per epoch only.
    public var tensorboardEveryIterations: Int = 0
    /// TensorBoard: a histogram of every parameter tensor at each epoch's end.
    public var tensorboardWeightHistograms: Bool = false

    /// The default job, with the given parts replaced.
    public init(training: TrainingConfig = TrainingConfig(), validation: Int? = nil, augment: Bool? = nil, masks: MaskConfig? = nil) {
        self.training = training
        if let validation { self.validation = validation }
        self.augment = augment
        self.masks = masks
    }

    /// Every option of a run config (what `masklab train --help` lists).
    public static var options: [ConfigOption<RunConfig>] {
        let run: [ConfigOption<RunConfig>] = [
            .value("validation", \.validation, flag: "validation", .int, .atLeast(0),
                   help: "Samples held out of the training set for validation (seeded)."),
            .optional("augment", \.augment, flag: "augment", .bool,
                      help: "Standard augmentation (CIFAR-10: pad 4 + random crop + flip; none = on where the dataset has one)."),
            .optional("classes", \.classes, flag: "classes", .list(of: .int, valueName: "<c1,c2,…>"),
                      .each(.atLeast(0), nonEmpty: true),
                      help: "Train and test on these classes only: original labels, relabelled 0…k−1 in the order given (e.g. 0,1,8,9 = CIFAR-10's vehicles; none = all classes)."),
            .value("trainSubset", \.trainSubset, flag: "train-subset", .int, .atLeast(0),
                   help: "Train on this many images of the training split (seeded choice; 0 = all; at most the split's size)."),
            .value("testSubset", \.testSubset, flag: "test-subset", .int, .atLeast(0),
                   help: "Evaluate on this many images of the test split (one fixed choice; 0 = all; at most the split's size)."),
            .value("tensorboardEveryIterations", \.tensorboardEveryIterations, flag: "tensorboard-every-iterations", .int, .atLeast(0),
                   help: "Also log the training step's scalars to TensorBoard every N iterations (its batch's loss and accuracy, learning rate, img/s, kept weights; 0 = per epoch only)."),
            .value("tensorboardWeightHistograms", \.tensorboardWeightHistograms, flag: "tensorboard-weight-histograms", .bool,
                   help: "Log a TensorBoard histogram of every parameter tensor at each epoch's end."),
        ]
        return TrainingConfig.options.map { $0.under("", \RunConfig.training) } + run
            + MaskConfig.options.map { $0.under("masks", \RunConfig.masks, empty: { MaskConfig() }) }
    }

    /// The option table: decoding, encoding, flags, `--set` and the help of a run config.
    public static var table: OptionTable<RunConfig> {
        OptionTable(options, nullableGroups: ["masks": { $0.masks = nil }], exclusive: [["budget.epochs", "budget.iterations"]])
    }

    /// The default job with every key of `value` (a config file's object) applied; `path` names it in errors.
    public static func decode(_ value: ConfigValue, path: String) throws(RunError) -> RunConfig {
        var c = RunConfig()
        do { try table.apply(value, to: &c) } catch { throw .config(path: path, message: error.message) }
        if let message = c.validationError() { throw .config(path: path, message: message) }
        return c
    }

    /// Reads a config file (`.yaml`/`.yml` as YAML, else JSON) onto the defaults; unknown keys
    /// at any depth, values of the wrong type and values out of range are errors naming the key.
    public static func load(from url: URL) throws(RunError) -> RunConfig {
        let value: ConfigValue
        do { value = try ConfigText.load(path: url.path) } catch {
            throw .config(path: url.path, message: error.line.map { "line \($0), column \(error.column ?? 0): " } .map { $0 + error.message } ?? error.message)
        }
        return try decode(value, path: url.path)
    }

    /// Problems across options (each option's own range is checked when it is set), or nil.
    public func validationError() -> String? {
        if let m = training.validationError() { return m }
        if validation < 0 { return "validation must be ≥ 0, got \(validation)" }
        if trainSubset < 0 { return "trainSubset must be ≥ 0 (0 = all), got \(trainSubset)" }
        if testSubset < 0 { return "testSubset must be ≥ 0 (0 = all), got \(testSubset)" }
        // Subsets beyond the dataset's official sizes are refused before any data is read (and by
        // --print-config); a selection of classes is checked again once the data is loaded.
        if let counts = DatasetVerifier.officialCounts(training.dataset) {
            if let m = subsetError(trainCount: max(counts.train - validation, 0), testCount: counts.test) { return m }
        }
        if tensorboardEveryIterations < 0 { return "tensorboardEveryIterations must be ≥ 0 (0 = per epoch only), got \(tensorboardEveryIterations)" }
        if let m = masks?.validationError() { return "masks: \(m)" }
        return nil
    }

    /// Pretty, key-sorted JSON of every option (what is written to a run's `config.json` and `--print-config` shows).
    public func jsonText() -> String { ConfigText.json(Self.table.encode(self)) }

    /// The run's folder name: "<model>-<dataset>" plus a hash of the non-default settings
    /// (a renamed option under its first key, `ConfigOption.formerKeys`, so names stay as they were).
    public var runName: String {
        RunName.make(prefix: "\(training.model)-\(training.dataset)", config: self, defaults: RunConfig(), hashedAs: Self.firstKeys)
    }

    /// Current key → first key of every renamed option.
    static var firstKeys: [String: String] {
        Dictionary(uniqueKeysWithValues: options.compactMap { o in o.formerKeys.first.map { (o.key, $0) } })
    }
}

extension RunConfig: Codable {
    /// Decodes through the option table (as `decode(_:path:)`), e.g. as the "run" of a lottery.json.
    public init(from decoder: any Decoder) throws {
        self = try RunConfig.decode(ConfigValue(from: decoder), path: decoder.codingPath.map(\.stringValue).joined(separator: "."))
    }

    public func encode(to encoder: any Encoder) throws { try Self.table.encode(self, to: encoder) }
}
