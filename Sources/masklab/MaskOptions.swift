import ArgumentParser
import Masks
import Importance
import Experiments

extension MaskTarget: ExpressibleByArgument {}
extension MaskScaling: ExpressibleByArgument {}
extension EvalMask: ExpressibleByArgument {}
extension MaskSampling: ExpressibleByArgument {}
extension MagnitudeScope: ExpressibleByArgument {}
extension ImportanceSolve: ExpressibleByArgument {}
extension ImportanceInitialisation: ExpressibleByArgument {}
extension GradientNormalisation: ExpressibleByArgument {}

/// Flags that set the run config's "masks" object. Any mask flag without --mask applies to the
/// config file's masks (an error if it has none).
struct MaskOptions: ParsableArguments {
    @Option(name: .long, help: "Mask sampler: \(MaskRegistry.names.joined(separator: ", ")). Default: none.")
    var mask: String?

    @Option(name: .long, help: "Keep rate q: expected share of masked weights kept per step (dropping masks) or kept by a fixed mask. Default: 0.5.")
    var keep: Double?

    @Option(name: .long, help: "weights (true DropConnect: forward uses m⊙W) or gradients (only the update is masked). Default: weights.")
    var maskTarget: MaskTarget?

    @Option(name: .long, help: "inverted (kept weights scaled by 1/p) or none. Default: inverted.")
    var maskScaling: MaskScaling?

    @Option(name: .long, help: ArgumentHelp("Leave these weights dense: first (first layer), shortcut (ResNet projections), last (output layer); comma-separated. The seed's code excludes all three.", valueName: "first,shortcut,last"))
    var maskExclude: String?

    @Option(name: .long, help: "What evaluation uses for per-step masks: none (the weights as trained; with inverted scaling this is the expected network) or expected (p⊙W without scaling). Default: none.")
    var evalMask: EvalMask?

    @Option(name: .long, help: "bernoulli (independent per weight) or exactK (systematic sampling over a fresh random order of each tensor, exactly round(q·n) kept). Default: bernoulli.")
    var maskSampling: MaskSampling?

    @Option(name: .long, help: "Lower clip p_min of importance keep probabilities. Default: 0.01.")
    var minKeep: Double?

    @Option(name: .long, help: "Magnitude mask ranking: layerwise or global. Default: layerwise.")
    var magnitudeScope: MagnitudeScope?

    @Option(name: .long, help: "Importance: KL-to-uniform strength λ (0 = impacts, > 0 = impacts+reg). Default: 0.")
    var importanceLambda: Double?

    @Option(name: .long, help: "Importance: mirror-descent step η on the normalised ∇φ. Default: 0.05.")
    var importanceEta: Double?

    @Option(name: .long, help: "Importance: γ in φ(w) = L(x − γ·w⊙g). Default: the optimiser's learning rate at the refresh.")
    var importanceGamma: Double?

    @Option(name: .long, help: "Importance: mirror-descent steps per refresh (per tensor for per-layer). Default: 100.")
    var importanceSteps: Int?

    @Option(name: .long, help: "Importance: training batches per refresh (g is their mean; step s uses batch s mod B). Default: 1.")
    var importanceBatches: Int?

    @Option(name: .long, help: "Importance: refresh every k epochs. Default: 5.")
    var importanceRefreshEpochs: Int?

    @Option(name: .long, help: "Importance: refresh every k iterations instead (0 = use epochs). Default: 0.")
    var importanceRefreshIterations: Int?

    @Option(name: .long, help: "Importance: joint (all tensors at once, one pass per step) or perLayer (each tensor alone, as the seed). Default: joint.")
    var importanceSolve: ImportanceSolve?

    @Option(name: .long, help: "Importance: start from uniform, gradientSquared or gradientMagnitude. Default: gradientSquared.")
    var importanceInit: ImportanceInitialisation?

    @Option(name: .long, help: "Importance: scaling of ∇φ so η is scale-free: rms, maxAbs or none (raw). Default: rms.")
    var importanceNormalisation: GradientNormalisation?

    /// `config` with the given mask flags applied.
    func apply(to config: RunConfig) throws -> RunConfig {
        var c = config
        let anyOther = keep != nil || maskTarget != nil || maskScaling != nil || maskExclude != nil || evalMask != nil
            || maskSampling != nil || minKeep != nil || magnitudeScope != nil || importanceLambda != nil || importanceEta != nil
            || importanceGamma != nil || importanceSteps != nil || importanceBatches != nil || importanceRefreshEpochs != nil
            || importanceRefreshIterations != nil || importanceSolve != nil || importanceInit != nil || importanceNormalisation != nil
        guard mask != nil || anyOther else { return c }
        guard mask != nil || c.masks != nil else { throw CommandFailure("mask options need --mask NAME (or a config file with \"masks\")") }
        var m = c.masks ?? MaskConfig()
        if let mask {
            guard MaskRegistry.names.contains(mask) else {
                throw CommandFailure("unknown mask '\(mask)'; valid masks: \(MaskRegistry.names.joined(separator: ", "))")
            }
            m.name = mask
        }
        if let keep { m.keep = keep }
        if let maskTarget { m.target = maskTarget }
        if let maskScaling { m.scaling = maskScaling }
        if let maskExclude {
            var list: [MaskExclusion] = []
            for part in maskExclude.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !part.isEmpty {
                guard let e = MaskExclusion(rawValue: part) else {
                    throw CommandFailure("--mask-exclude: unknown '\(part)'; valid: \(MaskExclusion.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                list.append(e)
            }
            m.exclude = list
        }
        if let evalMask { m.evalMask = evalMask }
        if let maskSampling { m.sampling = maskSampling }
        if let minKeep { m.minKeep = minKeep }
        if let magnitudeScope { m.magnitudeScope = magnitudeScope }
        if let importanceLambda { m.importance.lambda = importanceLambda }
        if let importanceEta { m.importance.eta = importanceEta }
        if let importanceGamma { m.importance.gamma = importanceGamma }
        if let importanceSteps { m.importance.steps = importanceSteps }
        if let importanceBatches { m.importance.batches = importanceBatches }
        if let importanceRefreshEpochs { m.importance.refreshEpochs = importanceRefreshEpochs }
        if let importanceRefreshIterations { m.importance.refreshIterations = importanceRefreshIterations }
        if let importanceSolve { m.importance.solve = importanceSolve }
        if let importanceInit { m.importance.initialisation = importanceInit }
        if let importanceNormalisation { m.importance.normalisation = importanceNormalisation }
        if let message = m.validationError() { throw CommandFailure("masks: \(message)") }
        c.masks = m
        return c
    }
}
