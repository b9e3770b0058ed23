import Foundation
import Training
import Masks

/// Everything that defines one training run: the trainer's `TrainingConfig` plus the data
/// choices the trainer does not make (validation hold-out, augmentation). Stored as one flat
/// JSON object, so a config file reads
/// `{"model": "mlp", "dataset": "mnist", "optimizer": {"name": "sgd", "learningRate": 0.05}, "validation": 5000}`;
/// missing keys take the defaults.
public struct RunConfig: Codable, Sendable, Equatable {
    public var training: TrainingConfig
    /// Samples held out of the training set for validation (seeded split), 0 = none.
    public var validation: Int
    /// Training augmentation: nil = the dataset's standard one (CIFAR-10: crop + flip; MNIST: none).
    public var augment: Bool?
    /// Weight masks (DropConnect, importance, pruning): nil = none. JSON key "masks".
    public var masks: MaskConfig?
    /// Train on this many images of the training split (seeded choice, see `TrainSubset`), 0 = all.
    /// JSON key "trainSubset", written only when non-zero.
    public var trainSubset: Int = 0
    /// Evaluate on this many images of the test split (one fixed seeded choice for every run), 0 = all.
    /// JSON key "testSubset", written only when non-zero.
    public var testSubset: Int = 0

    public init(training: TrainingConfig = TrainingConfig(), validation: Int = 0, augment: Bool? = nil, masks: MaskConfig? = nil) {
        self.training = training
        self.validation = validation
        self.augment = augment
        self.masks = masks
    }

    private enum ExtraKeys: String, CodingKey { case validation, augment, masks, trainSubset, testSubset }

    public init(from decoder: any Decoder) throws {
        training = try TrainingConfig(from: decoder)
        let c = try decoder.container(keyedBy: ExtraKeys.self)
        validation = try c.decodeIfPresent(Int.self, forKey: .validation) ?? 0
        augment = try c.decodeIfPresent(Bool.self, forKey: .augment)
        masks = try c.decodeIfPresent(MaskConfig.self, forKey: .masks)
        trainSubset = try c.decodeIfPresent(Int.self, forKey: .trainSubset) ?? 0
        testSubset = try c.decodeIfPresent(Int.self, forKey: .testSubset) ?? 0
    }

    public func encode(to encoder: any Encoder) throws {
        try training.encode(to: encoder)
        var c = encoder.container(keyedBy: ExtraKeys.self)
        try c.encode(validation, forKey: .validation)
        try c.encodeIfPresent(augment, forKey: .augment)
        try c.encodeIfPresent(masks, forKey: .masks)
        if trainSubset != 0 { try c.encode(trainSubset, forKey: .trainSubset) }
        if testSubset != 0 { try c.encode(testSubset, forKey: .testSubset) }
    }

    /// Reads a JSON config file; unknown keys are an error (a typo must not silently fall back to a default).
    public static func load(from url: URL) throws(RunError) -> RunConfig {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw .config(path: url.path, message: "cannot read the file: \(error.localizedDescription)")
        }
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw .config(path: url.path, message: "not valid JSON: \(error.localizedDescription)")
        }
        guard let dict = object as? [String: Any] else { throw .config(path: url.path, message: "expected a JSON object at the top level") }
        let unknown = Set(dict.keys).subtracting(knownKeys)
        if !unknown.isEmpty {
            throw .config(path: url.path, message: "unknown keys \(unknown.sorted()); valid keys: \(knownKeys.sorted().joined(separator: ", "))")
        }
        do { return try JSONDecoder().decode(RunConfig.self, from: data) } catch {
            throw .config(path: url.path, message: RunConfig.describe(error))
        }
    }

    /// The top-level keys a config file may use.
    public static var knownKeys: Set<String> {
        let encoder = JSONEncoder()
        var c = RunConfig()
        c.augment = false
        guard let data = try? encoder.encode(c), let d = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [] }
        return Set(d.keys).union(["augment", "masks", "trainSubset", "testSubset", "dataOrderSeed"])
    }

    /// Pretty, key-sorted JSON (what is written to a run's `config.json`).
    public func jsonText() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// The run's folder name: "<model>-<dataset>" plus a hash of the non-default settings.
    public var runName: String {
        RunName.make(prefix: "\(training.model)-\(training.dataset)", config: self, defaults: RunConfig())
    }

    static func describe(_ error: any Error) -> String {
        guard let e = error as? DecodingError else { return "\(error)" }
        func path(_ c: DecodingError.Context) -> String { c.codingPath.map(\.stringValue).joined(separator: ".") }
        switch e {
        case let .typeMismatch(t, c): return "\(path(c)): expected \(t) — \(c.debugDescription)"
        case let .valueNotFound(t, c): return "\(path(c)): missing \(t)"
        case let .keyNotFound(k, c): return "\(path(c)): missing key \(k.stringValue)"
        case let .dataCorrupted(c): return "\(path(c)): \(c.debugDescription)"
        @unknown default: return "\(e)"
        }
    }
}
