import Foundation
import TensorCore

/// What a run's checkpoints record about the conditions the run trains under, so that a resumed
/// run continues only under the same ones: the run's whole configuration (metadata `run_config`,
/// when the caller gives it) and a content fingerprint of each data split (`data_fingerprint_train`,
/// `…_test`, `…_validation`; `Dataset.fingerprint`).
///
/// On resume (`check`) any difference is refused, naming the key and both values; a checkpoint
/// written before these records existed resumes, with a warning that they could not be checked.
///
/// They also record the kernels the process computed with (`kernel_set`, `KernelSet.text`). A
/// resume under other kernels is not refused (the run is as valid), but warned about: from then
/// on its bits differ from an uninterrupted run's.
public struct RunConditions: Sendable {
    /// A run's configuration as its checkpoints record it, and how to tell another one from it.
    public struct Config: Sendable {
        /// The whole configuration as JSON text (e.g. what the run folder's `config.json` holds).
        public var text: String
        /// What differs between `saved` (a checkpoint's `run_config`) and this configuration, as
        /// "another configuration (key a in the checkpoint, b here; …)", or nil when they are the same.
        public var difference: @Sendable (_ saved: String) -> String?

        public init(text: String, difference: @escaping @Sendable (_ saved: String) -> String?) {
            self.text = text
            self.difference = difference
        }
    }

    /// Metadata key of the configuration.
    public static let configKey = "run_config"
    /// Metadata key of the kernel set.
    public static let kernelsKey = "kernel_set"
    /// Metadata key prefix of the data fingerprints (then the split's name).
    public static let dataKeyPrefix = "data_fingerprint_"
    /// The splits fingerprinted, in the order they are checked.
    static let splits = ["train", "test", "validation"]

    /// nil: no configuration recorded or checked (only the seed, as the trainer always does).
    public var config: Config?
    /// Split name ("train", "test", "validation") → fingerprint.
    public var data: [String: String]
    /// The kernels this process computes with (nil: not recorded or checked).
    public var kernels: KernelSet?

    public init(config: Config?, data: [String: String], kernels: KernelSet? = nil) {
        self.config = config
        self.data = data
        self.kernels = kernels
    }

    /// The metadata entries a checkpoint of this run carries.
    public var metadata: [String: String] {
        var out: [String: String] = [:]
        if let config { out[Self.configKey] = config.text }
        for (split, fingerprint) in data { out[Self.dataKeyPrefix + split] = fingerprint }
        if let kernels { out[Self.kernelsKey] = kernels.text }
        return out
    }

    /// Checks the `metadata` of the checkpoint at `path` against this run: a recorded
    /// configuration or data fingerprint that differs is refused. Returns the warnings: for a
    /// checkpoint that records neither or only one of them (written before they were recorded),
    /// and for one written under other kernels (naming each and the variable that chooses it).
    public func check(_ metadata: [String: String], path: String) throws(CheckpointError) -> [String] {
        var unchecked: [String] = []
        if let config {
            if let saved = metadata[Self.configKey] {
                if let what = config.difference(saved) { throw .otherConditions(path: path, what: what) }
            } else {
                unchecked.append("configuration")
            }
        }
        if Self.splits.contains(where: { metadata[Self.dataKeyPrefix + $0] != nil }) {
            for split in Self.splits {
                switch (metadata[Self.dataKeyPrefix + split], data[split]) {
                case let (saved?, here?) where saved != here:
                    throw .otherConditions(path: path, what: "other \(split) data (fingerprint \(saved) in the checkpoint, \(here) here: "
                                           + "its labels or images differ; does --data point at another copy or version of the dataset?)")
                case (nil, _?), (_?, nil):
                    let (a, b) = metadata[Self.dataKeyPrefix + split] == nil ? ("no", "one") : ("a", "none")
                    throw .otherConditions(path: path, what: "\(a) \(split) split (this run has \(b))")
                default: break
                }
            }
        } else {
            unchecked.append("data")
        }
        var warnings: [String] = []
        if !unchecked.isEmpty {
            let what = unchecked.joined(separator: " and ")
            warnings.append("\(path) does not record the run's \(what) (written by an earlier MaskLab): "
                            + "resuming without checking that \(unchecked.count > 1 ? "they are" : "it is") the same")
        }
        if let kernels, let saved = metadata[Self.kernelsKey] {
            if let recorded = KernelSet(text: saved) {
                let differences = kernels.differences(from: recorded)
                if !differences.isEmpty {
                    warnings.append("\(path) was written with other kernels (\(differences.joined(separator: "; "))): the run goes on, "
                                    + "but from here its bits differ from an uninterrupted run's; resume with the kernels it started "
                                    + "with (on a machine that has them) to keep them")
                }
            } else {
                warnings.append("\(path) records kernels this MaskLab cannot read (\"\(saved)\"): resuming without checking them")
            }
        }
        return warnings
    }
}
