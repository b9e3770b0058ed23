import Foundation
import Training
import Masks
import Options

/// A pruning sweep in the manner of ShrinkBench (Blalock et al. 2020): criteria × compression
/// ratios × seeds. The file (JSON, or YAML when it ends in .yaml/.yml) reads
///
///     {
///       "name": "mnist-lenet300",                      results go to <out>/<name>/
///       "base": { …a run config: the dense training… },
///       "criteria": ["magnitude", "random", "snip"],   pruned one-shot after the dense training
///       "ratios": [1, 2, 4, 8, 16, 32, 64],            compression = prunable / kept prunable weights
///       "seeds": [0, 1, 2],
///       "finetune": {"budget": {"epochs": 2}},         run-config keys the fine-tuning changes
///       "atInit": ["random", "snip"],                  optional: pruned at θ0, trained from scratch
///       "masks": {"magnitudeScope": "global"},         optional: mask options of every pruned run
///       "jobs": 2, "threadsPerJob": 1
///     }
///
/// Per seed the dense run trains `base` once; every after-training cell (criterion, ratio > 1)
/// starts from its trained weights (`train --init-from`), scores them by the criterion at run
/// start (`--mask prune --criterion C --keep 1/ratio`, the options under "masks") and fine-tunes
/// with `base` + `finetune`. Ratio 1 is one run per seed shared by every criterion: the dense
/// weights fine-tuned with the same budget and no mask. An at-init cell trains `base` from θ0
/// under the mask its criterion gives at θ0; its ratio 1 is the dense run itself.
public struct PruningSweepConfig: Sendable {
    public var name: String
    public var base: RunConfig
    public var criteria: [String]
    /// Sorted, each ≥ 1.
    public var ratios: [Double]
    public var seeds: [UInt64]
    /// `base` with the fine-tuning changes (seed and masks are set per cell).
    public var finetune: RunConfig
    public var atInit: [String]
    /// The mask options of every pruned run (name, criterion and keep are set per cell).
    public var masks: MaskConfig
    public var jobs: Int
    public var threadsPerJob: Int
    /// The file as given (pretty-printed), for `prune-sweep.json`.
    public var sourceText: String

    static let keys = ["atInit", "base", "criteria", "finetune", "jobs", "masks", "name", "ratios", "seeds", "threadsPerJob"]
    /// Mask keys the sweep sets itself.
    static let cellMaskKeys = ["name", "criterion", "keep"]

    /// Reads and checks a sweep file; every error names the file and the key.
    public static func load(from url: URL) throws(SweepError) -> PruningSweepConfig {
        try parse(StudyFile.load(url, command: "prune-sweep"), path: url.path)
    }

    /// Builds the sweep from the file's value (`path` names it in errors).
    public static func parse(_ value: ConfigValue, path: String) throws(SweepError) -> PruningSweepConfig {
        func fail(_ message: String) -> SweepError { .config(path: path, message: message, command: "prune-sweep") }
        let (dict, name, jobs, threads) = try StudyFile.header(value, keys: keys, path: path, command: "prune-sweep")

        let valid = CriterionRegistry.names
        func criterionList(_ key: String, required: Bool) throws(SweepError) -> [String] {
            guard let v = dict[key] else {
                if required { throw fail("\"\(key)\" is missing: give a list of pruning criteria (valid: \(valid.joined(separator: ", ")))") }
                return []
            }
            guard case let .array(items) = v, !items.isEmpty || !required else {
                throw fail("\"\(key)\" must be a non-empty list of pruning criteria (valid: \(valid.joined(separator: ", ")))")
            }
            var out: [String] = []
            for item in items {
                guard case let .string(c) = item else { throw fail("\"\(key)\": expected criterion names, got \(item)") }
                guard valid.contains(c) else {
                    throw fail("\"\(key)\": unknown pruning criterion '\(c)'; valid criteria: \(valid.joined(separator: ", "))")
                }
                guard !out.contains(c) else { throw fail("\"\(key)\": \(c) is listed twice") }
                out.append(c)
            }
            return out
        }
        let criteria = try criterionList("criteria", required: true)
        guard criteria.contains("random") else {
            throw fail("\"criteria\" must include random: every plot of the report draws it as the baseline")
        }
        let atInit = try criterionList("atInit", required: false)
        for c in atInit where c.hasPrefix("movement") {
            throw fail("\"atInit\": \(c) scores the movement from θ0, which is 0 everywhere at θ0; prune it after training only")
        }

        guard case let .array(ratioItems)? = dict["ratios"], !ratioItems.isEmpty else {
            throw fail("\"ratios\" must be a non-empty list of compression ratios ≥ 1 (ShrinkBench's: 1, 2, 4, 8, 16, 32, 64)")
        }
        var ratios: [Double] = []
        for item in ratioItems {
            guard case let .number(t) = item, let r = Double(t), r.isFinite else { throw fail("\"ratios\": expected numbers, got \(item)") }
            guard r >= 1 else {
                throw fail("\"ratios\": compression ratio \(t) is below 1; compression = prunable weights / kept prunable weights, so 1 keeps every weight and 64 keeps 1 in 64")
            }
            guard !ratios.contains(r) else { throw fail("\"ratios\": \(t) is listed twice") }
            ratios.append(r)
        }
        ratios.sort()

        guard case let .array(seedItems)? = dict["seeds"], !seedItems.isEmpty else {
            throw fail("\"seeds\" must be a non-empty list of seeds (integers ≥ 0), e.g. [0, 1, 2]")
        }
        var seeds: [UInt64] = []
        for item in seedItems {
            guard case let .number(t) = item, let s = UInt64(t) else { throw fail("\"seeds\": expected integers ≥ 0, got \(item)") }
            guard !seeds.contains(s) else { throw fail("\"seeds\": \(s) is listed twice") }
            seeds.append(s)
        }

        let baseValue = dict["base"] ?? .object([:])
        guard baseValue.object != nil else { throw fail("\"base\" must be a run config object (the keys of a run's config.json)") }
        var base: RunConfig
        do { base = try RunConfig.decode(baseValue, path: "\(path) (base)") } catch { throw fail("base: \(error.description)") }
        guard base.masks == nil || base.masks?.name == "none" else {
            throw fail("base: the dense training takes no masks (got masks.name \(base.masks?.name ?? "")); put the pruning options under \"masks\"")
        }
        base.masks = nil
        base.training.threads = threads

        guard let finetuneValue = dict["finetune"], finetuneValue.object != nil else {
            throw fail("\"finetune\" is missing: give the fine-tuning budget as run-config keys, e.g. {\"budget\": {\"epochs\": 2}} ({} = the dense budget again)")
        }
        var finetune = base
        do { try RunConfig.table.apply(finetuneValue, to: &finetune) } catch { throw fail("finetune: \(error.message)") }
        if finetune.masks != nil { throw fail("finetune: put the pruning options under \"masks\", not in the fine-tuning") }
        // The fine-tuning starts from the dense run's weights: the network and its data must stay those of "base".
        let architecture: [(String, Bool)] = [("model", finetune.training.model != base.training.model),
                                              ("dataset", finetune.training.dataset != base.training.dataset),
                                              ("modelOptions", finetune.training.modelOptions != base.training.modelOptions),
                                              ("classes", finetune.classes != base.classes)]
        if let changed = architecture.first(where: \.1)?.0 {
            throw fail("finetune: \"\(changed)\" cannot change: the fine-tuning starts from the dense run's weights, so the network and its "
                       + "data are those of \"base\"")
        }
        if let m = finetune.validationError() { throw fail("finetune: \(m)") }
        // Its keys are overrides, like --set: one the fine-tuning's optimiser or schedule ignores is refused.
        if let m = finetune.unreadSettingError(given: finetuneValue.leafKeys) { throw fail("finetune: \(m)") }

        var masks = MaskConfig(name: "prune")
        if let m = dict["masks"] {
            guard let o = m.object else { throw fail("\"masks\" must be an object of mask options (keys under masks, e.g. {\"magnitudeScope\": \"global\"})") }
            for k in cellMaskKeys where o[k] != nil {
                throw fail("masks: \(k) is set by the sweep for each cell (criteria and ratios); remove it")
            }
            var holder = RunConfig(masks: masks)
            do { try RunConfig.table.apply(.object(["masks": m]), to: &holder) } catch { throw fail("masks: \(error.message)") }
            masks = holder.masks ?? masks
        }
        if let m = masks.validationError() { throw fail("masks: \(m)") }
        return PruningSweepConfig(name: name, base: base, criteria: criteria, ratios: ratios, seeds: seeds, finetune: finetune, atInit: atInit,
                                  masks: masks, jobs: jobs, threadsPerJob: threads, sourceText: ConfigText.json(value))
    }
}

extension PruningSweepConfig {
    /// The sweep with every run's thread count set to `threads` (a `--threads-per-job` override).
    public func with(threadsPerJob threads: Int) -> PruningSweepConfig {
        var c = self
        c.threadsPerJob = threads
        c.base.training.threads = threads
        c.finetune.training.threads = threads
        return c
    }

    /// The mask of a pruned cell: the sweep's mask options with `criterion` keeping 1/`ratio`.
    func mask(_ criterion: String, ratio: Double) -> MaskConfig {
        var m = masks
        m.name = "prune"
        m.criterion = criterion
        m.keep = 1 / ratio
        return m
    }
}
