import Options

/// How the importance solver starts from the gradient `g` of a tensor.
public enum ImportanceInitialisation: String, Codable, Sendable, CaseIterable {
    /// w₀ = 1 (the centre of the simplex).
    case uniform
    /// w₀ ∝ g², rescaled to Σw₀ = n (the seed's public code).
    case gradientSquared
    /// w₀ ∝ |g|, rescaled to Σw₀ = n.
    case gradientMagnitude
}

/// How ∇φ is scaled before the mirror-descent step, so that η does not depend on the size of
/// the gradients (∇φ ≈ γ g², often 1e-8 or smaller).
///
/// The scale `s` of a tensor is computed once per solve, from ∇φ at the starting point w₀, and
/// then held fixed: every step of that solve uses ∇φ/s, so the iteration is plain mirror
/// descent on φ/s with a constant step η. With `rms`, s = √(mean ∇φ(w₀)²), so the first step
/// moves log w by η·(±1) for a typical coordinate; with `maxAbs`, s = max |∇φ(w₀)|, so no
/// coordinate's first step exceeds η. A zero ∇φ(w₀) gives s = 1. The regularised fixed point is
/// then w* = n·softmax(−∇φ/(s·λ)): λ is measured in the same normalised units.
public enum GradientNormalisation: String, Codable, Sendable, CaseIterable {
    /// s = 1: raw ∇φ (faithful to the seed; needs η of order 1/(γ g²)).
    case none
    /// s = root mean square of ∇φ(w₀) over the tensor.
    case rms
    /// s = largest |∇φ(w₀)| over the tensor.
    case maxAbs
}

/// How the mirror-descent step size is controlled during a solve.
public enum ImportanceStepControl: String, Codable, Sendable, CaseIterable {
    /// Every step uses η (the seed's method). With a large η the objective can rise.
    case fixed
    /// Backtracking: a step is accepted only if it lowers the regularised objective
    /// F(w) = φ(w) + Σ_t λ·s_t·Σ_i w_ti log w_ti on the step's batch (t over the tensors solved
    /// together, s_t the normalisation scale: for one tensor F/s = φ/s + λ·Σ w log w, the
    /// objective the fixed-η iteration descends in normalised units);
    /// otherwise the step is retried from the same w with half the step size (at most 30 times,
    /// then the solve stops: no descent step exists at this resolution). After an accepted step
    /// the step size grows by 1.5×, never beyond η. F therefore never rises.
    case backtracking
}

/// Which tensors a solve treats together.
public enum ImportanceSolve: String, Codable, Sendable, CaseIterable {
    /// All masked tensors at once: one forward/backward per step shifts every tensor by its own
    /// importance (each tensor still has its own simplex nΔ).
    case joint
    /// Each tensor alone with the others fixed (the seed's method): per step, a forward from the
    /// cached input of the top-level module holding the tensor and a backward that stops there.
    case perLayer
}

/// Options of the importance solver (mirror descent on the scaled simplex with KL-to-uniform
/// regularisation, docs/importance.md). The property initialisers are the defaults; `options` declares the keys.
///
/// Defaults (joint, 100 steps, 1 batch, every 5 epochs, rms normalisation, η = 0.05, λ = 0)
/// cost about 102 forward/backward passes per refresh, ≈ 5% of training at 391 steps/epoch.
/// The seed's configuration is `solve: perLayer, steps: 400, eta: 1, lambda: 4e-4,
/// gamma: 0.01, normalisation: none, initialisation: gradientSquared, refreshEpochs: 10, batches: 1`.
public struct ImportanceConfig: Sendable, Equatable {
    /// Mirror-descent step size η (applied to the normalised ∇φ).
    public var eta: Double = 0.05
    /// KL-to-uniform strength λ: 0 = "impacts", > 0 = "impacts+reg" (λ → ∞: uniform).
    public var lambda: Double = 0
    /// γ in φ(w) = L(x − γ·w⊙g); nil = the optimiser's learning rate at the refresh.
    public var gamma: Double? = nil
    /// Mirror-descent steps per tensor (joint: per refresh).
    public var steps: Int = 100
    public var initialisation: ImportanceInitialisation = .gradientSquared
    public var normalisation: GradientNormalisation = .rms
    /// Training batches φ is evaluated on: g is their mean gradient; step s uses batch s mod B.
    public var batches: Int = 1
    /// Refresh every this many epochs (at the first step of epochs 0, k, 2k, …).
    public var refreshEpochs: Int = 5
    /// If > 0, refresh every this many iterations instead (0, k, 2k, …).
    public var refreshIterations: Int = 0
    public var solve: ImportanceSolve = .joint
    /// Fixed η or backtracking on the objective (see `ImportanceStepControl`).
    public var stepControl: ImportanceStepControl = .fixed
    /// Whether w is the probability of keeping (default) or of dropping a weight; declared
    /// among the sampler's options (`ImportanceDropConnect.options`), the solver ignores it.
    public var use: ImportanceUse = .keep

    public init() {}

    /// The options, keys relative to "masks.importance" (flags prefixed "importance-").
    public static var options: [ConfigOption<ImportanceConfig>] { [
        .value("eta", \.eta, flag: "importance-eta", .double, .above(0), help: "Mirror-descent step η on the normalised ∇φ."),
        .value("lambda", \.lambda, flag: "importance-lambda", .double, .atLeast(0),
               help: "KL-to-uniform strength λ (0 = impacts, > 0 = impacts+reg)."),
        .optional("gamma", \.gamma, flag: "importance-gamma", .double, .above(0),
                  help: "γ in φ(w) = L(x − γ·w⊙g) (none = the optimiser's learning rate at the refresh)."),
        .value("steps", \.steps, flag: "importance-steps", .int, .atLeast(0), help: "Mirror-descent steps per refresh (per tensor for perLayer)."),
        .value("initialisation", \.initialisation, flag: "importance-init", .choice, help: "Start of the solve."),
        .value("normalisation", \.normalisation, flag: "importance-normalisation", .choice, help: "Scaling of ∇φ so η is scale-free."),
        .value("batches", \.batches, flag: "importance-batches", .int, .atLeast(1),
               help: "Training batches per refresh (g is their mean; step s uses batch s mod B)."),
        .value("refreshEpochs", \.refreshEpochs, flag: "importance-refresh-epochs", .int, .atLeast(0), help: "Refresh every k epochs."),
        .value("refreshIterations", \.refreshIterations, flag: "importance-refresh-iterations", .int, .atLeast(0),
               help: "Refresh every k iterations instead (0 = use epochs)."),
        .value("stepControl", \.stepControl, flag: "importance-step-control", .choice,
               help: "fixed (every step uses η) or backtracking (halve the step until the regularised objective falls; η is the largest step)."),
        .value("solve", \.solve, flag: "importance-solve", .choice,
               help: "joint (all tensors at once, one pass per step) or perLayer (each tensor alone, as the seed)."),
    ] }

    /// A message naming the first invalid option, or nil.
    public func validationError() -> String? {
        if !(eta > 0 && eta.isFinite) { return "importance eta must be > 0, got \(eta)" }
        if !(lambda >= 0 && lambda.isFinite) { return "importance lambda must be ≥ 0, got \(lambda)" }
        if let g = gamma, !(g > 0 && g.isFinite) { return "importance gamma must be > 0, got \(g)" }
        if steps < 0 { return "importance steps must be ≥ 0, got \(steps)" }
        if batches < 1 { return "importance batches must be ≥ 1, got \(batches)" }
        if refreshEpochs < 0 || refreshIterations < 0 { return "importance refresh periods must be ≥ 0" }
        return nil
    }

    /// Iterations between refreshes (0 = only at the start of the run).
    public func refreshPeriod(iterationsPerEpoch: Int) -> Int {
        refreshIterations > 0 ? refreshIterations : refreshEpochs * iterationsPerEpoch
    }
}
