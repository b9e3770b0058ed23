import TensorCore
import Layers
import Stats
import Options
import Importance

/// `prune`: a fixed mask chosen at run start by a pruning criterion (`--criterion`, see
/// `CriterionRegistry`) and `MaskBuilder`: each tensor keeps max(1, round(q·n)) of its highest
/// scores (layerwise) or the masked tensors keep max(1, round(q·N)) under one threshold
/// (global); `keepOutput` gives the output layer its own share. Data-driven criteria score on
/// `pruning.batches` seeded training batches (loaded only for them: `scoringBatches`); random draws
/// come from stream (seed, pruning, parameter index). `magnitude` is this sampler with the
/// magnitude criterion (its results are the same as before the criterion family: ties keep the
/// lower index). `random` is this sampler with a per-tensor partial Fisher–Yates draw
/// (`MaskBuilder.randomSubset`) in place of a criterion, as earlier releases drew it, bit for bit.
public final class PruneMask: FixedMask {
    public let name: String
    public let config: MaskConfig
    /// The criterion's registry name.
    public let criterion: String
    /// Whether every tensor keeps max(1, round(q·n)) entries drawn by a partial Fisher–Yates
    /// shuffle instead of a criterion's ranking, whatever `magnitudeScope` and `keepOutput` say
    /// (`--mask random`, which never read them).
    private let drawsRandomSubset: Bool

    public convenience init(config: MaskConfig, name: String = "prune", criterion: String? = nil) {
        self.init(config: config, name: name, criterion: criterion, drawsRandomSubset: false)
    }

    private init(config: MaskConfig, name: String, criterion: String?, drawsRandomSubset: Bool) {
        self.config = config
        self.name = name
        self.criterion = criterion ?? config.criterion
        self.drawsRandomSubset = drawsRandomSubset
    }

    public func initialMask(_ run: MaskRun) throws(MaskError) {
        if drawsRandomSubset { return try initialRandomSubset(run) }
        let masks = run.masks
        do throws(PruningError) {
            let rule = try CriterionRegistry.make(criterion, config: config.pruning)
            let batches = rule.scoringBatches(count: config.pruning.batches, batchSize: run.batchSize, sampleShape: run.network.sampleShape,
                                              seed: run.seed, round: 0) { run.trainingSet }
            let streams = RandomStreams(seed: run.seed)
            let parameters = masks.parameters
            let reference = rule is MovementCriterion ? Self.initialWeights(run.network, parameters: parameters, seed: run.seed) : nil
            if let reference, reference == parameters.map({ $0.value.toArray() }) {
                throw PruningError.invalid("\(criterion) scores how far each weight moved from θ0, and the run starts at θ0 (every score 0): "
                                           + "start from trained weights (masklab train --init-from CHECKPOINT, or masklab prune --reference)")
            }
            let scoring = ScoringContext(network: run.network, parameters: parameters, reference: reference, batches: batches,
                                         config: config.pruning, importance: config.importance) { streams.stream(.pruning, parameters[$0].index) }
            let plan = PruningPlan(scope: config.magnitudeScope, amount: .keep(config.keep), output: config.keepOutput.map { .keep($0) })
            let mask = try MaskBuilder.build(rule, context: scoring, plan: plan, seed: run.seed, step: 0, indexOrder: .lowerKeptFirst)
            for i in parameters.indices { masks.multipliers(i).copy(from: mask[i]) }
        } catch { throw .invalidOption(error.description) }
    }

    /// `--mask random`'s mask: each tensor keeps the layerwise count max(1, round(q·n)), drawn by
    /// `MaskBuilder.randomSubset` on stream (seed, pruning, parameter index): k draws per tensor,
    /// exact at any size (the masks of the earlier `RandomMask`).
    private func initialRandomSubset(_ run: MaskRun) throws(MaskError) {
        let masks = run.masks, parameters = masks.parameters
        let plan = PruningPlan(scope: .layerwise, amount: .keep(config.keep))
        if let message = plan.validationError { throw .invalidOption(message) }
        let sizes = parameters.map(\.shape.count)
        let streams = RandomStreams(seed: run.seed)
        let mask = MaskBuilder.randomSubset(sizes: sizes, counts: plan.groups(survivors: sizes).map(\.keep)) {
            streams.stream(.pruning, parameters[$0].index)
        }
        for i in parameters.indices { masks.multipliers(i).copy(from: mask[i]) }
    }

    /// θ0 of `parameters`: the values a fresh run of `seed` starts from (`ParameterStore.initialise`),
    /// the reference point of `movement` in a training run (which starts from θ0, or from trained
    /// weights given with `--init-from` whose own run started from the same θ0). The network's
    /// parameters, buffers and counters are left as they were.
    static func initialWeights(_ network: Network, parameters: [Parameter], seed: UInt64) -> [[Float]] {
        let store = network.store
        let values = store.values.tensor(Shape(store.count)).toArray()
        let buffers = store.bufferValues.tensor(Shape(store.bufferValues.count)).toArray()
        let counters = store.counters.map(\.value)
        store.initialise(streams: RandomStreams(seed: seed))
        let theta0 = parameters.map { $0.value.toArray() }
        store.values.tensor(Shape(store.count)).copy(from: values)
        store.bufferValues.tensor(Shape(store.bufferValues.count)).copy(from: buffers)
        for (c, v) in zip(store.counters, counters) { c.value = v }
        return theta0
    }

    public static let entry = MaskSamplerEntry(name: "prune", summary: "fixed mask from a pruning criterion at the start (--criterion; layerwise or global)",
                                               reads: MaskSamplerEntry.fixedReads + ["keepOutput", "magnitudeScope", "criterion", "pruning", "importance"]) { c throws(MaskError) in
        PruneMask(config: c)
    }

    /// `--mask magnitude`: `--mask prune --criterion magnitude`.
    public static let magnitudeEntry = MaskSamplerEntry(name: "magnitude", summary: "fixed mask keeping the largest |w| at the start (= prune --criterion magnitude)",
                                               reads: MaskSamplerEntry.fixedReads + ["keepOutput", "magnitudeScope"]) { c throws(MaskError) in
        PruneMask(config: c, name: "magnitude", criterion: "magnitude")
    }

    /// `--mask random`: the prune sampler with a per-tensor partial Fisher–Yates draw, as earlier
    /// releases (`--criterion random` draws i.i.d. uniform scores instead: another, equally
    /// uniform mask).
    public static let randomEntry = MaskSamplerEntry(name: "random", summary: "fixed random mask keeping round(q·n) weights per tensor (partial Fisher–Yates per tensor)",
                                               reads: MaskSamplerEntry.fixedReads) { c throws(MaskError) in
        PruneMask(config: c, name: "random", criterion: "random", drawsRandomSubset: true)
    }
}

// MARK: - Options

extension PruneMask {
    /// The pruning masks' options, keys relative to "masks": scope, criterion, output share and
    /// the criteria's own options (under "pruning").
    public static var options: [ConfigOption<MaskConfig>] {
        [.value("magnitudeScope", \MaskConfig.magnitudeScope, flag: "magnitude-scope", aliases: ["prune-scope"], .choice,
                help: "Pruning masks: layerwise ranking, or global (one threshold over all masked tensors)."),
         .value("criterion", \MaskConfig.criterion, flag: "criterion", .string(names: CriterionRegistry.names), .oneOf(CriterionRegistry.names),
                help: "Pruning criterion of --mask prune."),
         .optional("keepOutput", \MaskConfig.keepOutput, flag: "keep-output", .double, .above(0, upTo: 1),
                   help: "Pruning masks: share of the output layer kept, ranked on its own (none = like the others).")]
            + PruningConfig.options.map { $0.under("pruning", \MaskConfig.pruning) }
    }
}
