import Options

/// How the target density of a dynamic sparse mask is shared among the masked tensors.
public enum LayerDensity: String, Codable, Sendable, CaseIterable {
    /// Every tensor at the target density.
    case uniform
    /// Erdős–Rényi-Kernel (Evci et al. 2020): density ∝ Σ dims / Π dims of the tensor, scaled so
    /// that the masked weights together keep the target; tensors that would exceed 1 are dense.
    case erk
}

/// Options of the dynamic sparse masks `set` and `rigl` (the object under "dst" in a run's
/// masks). The property initialisers are the defaults (RigL's: ΔT = 100, α = 0.3, updates end at
/// 75% of the run). The target density is the masks' `keep`.
public struct DynamicSparsityConfig: Sendable, Equatable {
    /// ΔT: optimiser steps between two mask updates.
    public var updateEvery: Int = 100
    /// ζ (SET) or α (RigL, annealed by cosine): the share of each tensor's active weights dropped
    /// and regrown at an update.
    public var dropFraction: Double = 0.3
    /// The number of completed steps from which on the mask stays fixed (nil: 75% of the run).
    public var endStep: Int?
    public var density: LayerDensity = .uniform
    /// Keep the first masked tensor dense; the others share what is left of the target.
    public var denseFirst: Bool = false

    public init() {}

    /// The options, keys relative to "dst" (declared once, on the `set` registry line; `rigl` reads the same).
    public static var options: [ConfigOption<DynamicSparsityConfig>] { [
        .value("updateEvery", \.updateEvery, flag: "dst-update-every", .int, .atLeast(1),
               help: "Dynamic sparse masks (set, rigl): optimiser steps ΔT between two mask updates."),
        .value("dropFraction", \.dropFraction, flag: "dst-drop-fraction", .double, .from(0, below: 1),
               help: "Dynamic sparse masks: share of each tensor's active weights dropped and regrown per update (rigl: its start, annealed by cosine to 0 at the end step)."),
        .optional("endStep", \.endStep, flag: "dst-end-step", .int, .atLeast(1),
                  help: "Dynamic sparse masks: completed steps after which the mask stays fixed (none = 75% of the run)."),
        .value("density", \.density, flag: "dst-density", .choice,
               help: "Dynamic sparse masks: layer densities uniform, or erk (Erdős–Rényi-Kernel), averaging to --keep."),
        .value("denseFirst", \.denseFirst, flag: "dst-dense-first", .bool,
               help: "Dynamic sparse masks: keep the first masked layer dense; the others share the rest of the --keep budget."),
    ] }

    /// A message naming the first invalid setting, or nil (ranges are checked again for configs built in code).
    public func validationError() -> String? {
        if updateEvery < 1 { return "dst.updateEvery must be ≥ 1, got \(updateEvery)" }
        if !(dropFraction >= 0 && dropFraction < 1) { return "dst.dropFraction must be in [0, 1), got \(dropFraction)" }
        if let e = endStep, e < 1 { return "dst.endStep must be ≥ 1, got \(e)" }
        return nil
    }
}
