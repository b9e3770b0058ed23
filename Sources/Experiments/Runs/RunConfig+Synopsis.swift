import Foundation
import Masks
import Training

extension RunConfig {
    /// One line naming what a run is about to do: model, data, mask, optimiser, schedule,
    /// budget, seed and threads, e.g.
    ///
    ///     mlp (hidden 300,100) · mnist, 5000 validation, no augmentation · mask importance keep 0.2 on gradients, scaling none, λ 0 ·
    ///     sgd lr 0.05 momentum 0.9 nesterov wd 0.0001 · cosine · batch 64, 15 epochs · seed 0, 2 threads
    public var synopsis: String { synopsis(seeds: nil) }

    /// The same, naming `seeds` (a study's list) instead of the config's own seed when given.
    public func synopsis(seeds: [UInt64]?) -> String {
        let t = training
        var model = t.model
        let o = t.modelOptions
        let options = [o.hidden.map { "hidden \($0.map(String.init).joined(separator: ","))" }, o.width.map { "width \($0)" },
                       o.batchNorm.map { $0 ? "BatchNorm" : "no BatchNorm" }].compactMap { $0 }
        if !options.isEmpty { model += " (\(options.joined(separator: ", ")))" }
        var data = t.dataset
        if let c = classes { data += " classes \(c.map(String.init).joined(separator: ","))" }
        if trainSubset > 0 { data += ", \(trainSubset)-image training subset" }
        if testSubset > 0 { data += ", \(testSubset)-image test subset" }
        if validation > 0 { data += ", \(validation) held out for validation" }
        if augment == false { data += ", no augmentation" }
        var mask = "no mask"
        if let m = masks, m.name != "none" {
            // Only what the sampler reads: a pruning mask names its criterion and has no scaling.
            let readers = MaskRegistry.settingReaders()
            func reads(_ key: String) -> Bool { readers.reads(m.name, key) }
            mask = "mask \(m.name)" + (reads("criterion") ? " (\(m.criterion))" : "") + (reads("keep") ? " keep \(m.keep)" : "")
                + (reads("target") ? " on \(m.target.rawValue)" : "") + (reads("scaling") ? ", scaling \(m.scaling.rawValue)" : "")
            if !m.exclude.isEmpty { mask += ", dense \(m.exclude.map(\.rawValue).joined(separator: "+"))" }
            if m.name == "importance" {
                let i = m.importance
                mask += ", λ \(i.lambda), η \(i.eta), \(counted(i.steps, "step")), refresh every "
                    + (i.refreshIterations > 0 ? counted(i.refreshIterations, "iteration") : counted(i.refreshEpochs, "epoch"))
            }
        }
        let opt = t.optimizer
        var optimizer = "\(opt.name) lr \(opt.learningRate)"
        if opt.name == "sgd" && opt.momentum != 0 { optimizer += " momentum \(opt.momentum)\(opt.nesterov ? " nesterov" : "")" }
        if let wd = opt.weightDecay, wd != 0 { optimizer += " wd \(wd)" }
        var schedule = t.schedule.name
        if t.schedule.warmupIterations > 0 { schedule += ", warm-up \(counted(t.schedule.warmupIterations, "iteration"))" }
        return [model, data, mask, optimizer, schedule, "batch \(t.batchSize), \(t.budget)", seedText(seeds) + ", \(counted(t.threads, "thread"))"]
            .joined(separator: " · ")
    }

    private func seedText(_ seeds: [UInt64]?) -> String {
        guard let seeds, !seeds.isEmpty else { return "seed \(training.seed)" }
        return seeds.count == 1 ? "seed \(seeds[0])" : "seeds [\(seeds.map(String.init).joined(separator: ", "))]"
    }
}
