import Foundation
import Options
import Stats

/// A pre-registered rule for how many seeds a comparison needs, decided at an interim look
/// that sees only the spread of one contrast, never its mean (key "extension" of "analysis"):
///
///     "extension": { "afterSeeds": 4, "plannedSeeds": 6, "contrast": 1, "endpoint": 1, "targetEffect": 0.02, "maxSeeds": 10 }
///
/// Once the first `afterSeeds` seeds of the config have ended in every arm, σ_d — the
/// standard deviation of the per-seed differences of primary contrast number `contrast`
/// (1-based) at endpoint number `endpoint` (1-based, default 1) — gives the smallest difference
/// the paired t-test detects with 80% power at α = 0.05/m (m primary contrasts, Holm's first
/// step) with the `plannedSeeds` declared before the study (not the seeds the config holds
/// after an extension, so the decision stays the same when applied again). If that exceeds `targetEffect` (in the metric's units), the
/// rule asks for the smallest seed count n ≤ `maxSeeds` that brings it to `targetEffect`, or for
/// `maxSeeds` when none does. Study F of the regularisation study declares this rule in prose
/// (`experiments/regularisation-study/PROTOCOL.md`); the blinded interim report applies it.
public struct SeedExtensionRule: Sendable, Equatable {
    public var afterSeeds: Int
    public var plannedSeeds: Int
    /// 0-based index into the analysis's contrasts.
    public var contrast: Int
    /// 0-based index into the analysis's endpoints.
    public var endpoint: Int
    public var targetEffect: Double
    public var maxSeeds: Int

    public init(afterSeeds: Int, plannedSeeds: Int, contrast: Int, endpoint: Int, targetEffect: Double, maxSeeds: Int) {
        self.afterSeeds = afterSeeds
        self.plannedSeeds = plannedSeeds
        self.contrast = contrast
        self.endpoint = endpoint
        self.targetEffect = targetEffect
        self.maxSeeds = maxSeeds
    }

    static let keys = ["afterSeeds", "contrast", "endpoint", "maxSeeds", "plannedSeeds", "targetEffect"]

    /// The rule in the config's syntax (1-based contrast and endpoint), as `parse` reads it.
    var configValue: ConfigValue {
        .object(["afterSeeds": .number(String(afterSeeds)), "plannedSeeds": .number(String(plannedSeeds)),
                 "contrast": .number(String(contrast + 1)), "endpoint": .number(String(endpoint + 1)),
                 "targetEffect": .number("\(targetEffect)"), "maxSeeds": .number(String(maxSeeds))])
    }

    /// What the rule decides from σ_d with `contrasts` primary contrasts.
    public struct Decision: Sendable, Equatable {
        public var sd: Double
        public var pairs: Int
        /// Smallest detectable difference with the planned seeds, in the metric's units.
        public var detectableAtPlanned: Double
        /// The seed count the rule asks for (= planned when no extension is needed).
        public var seeds: Int
        /// Smallest detectable difference with `seeds` seeds.
        public var detectableAtDecided: Double
        /// Whether `seeds` reaches the target (false only when even `maxSeeds` does not).
        public var reachesTarget: Bool
    }

    /// Applies the rule to the interim per-seed differences `differences` (at least 2) of a
    /// comparison with `contrasts` primary contrasts.
    public func decide(differences: [Double], contrasts: Int) -> Decision? {
        let planned = plannedSeeds
        guard differences.count >= 2, planned >= 2 else { return nil }
        let sd = Summary(differences).standardDeviation
        guard sd.isFinite else { return nil }
        let alpha = 0.05 / Double(max(contrasts, 1))
        func detectable(_ n: Int) -> Double { PairedPower.minimumDetectableEffect(pairs: n, alpha: alpha) * sd }
        let atPlanned = detectable(planned)
        var seeds = planned
        if atPlanned > targetEffect {
            seeds = maxSeeds
            for n in (planned + 1)...max(planned + 1, maxSeeds) where n <= maxSeeds && detectable(n) <= targetEffect {
                seeds = n
                break
            }
        }
        let atDecided = seeds == planned ? atPlanned : detectable(seeds)
        return Decision(sd: sd, pairs: differences.count, detectableAtPlanned: atPlanned, seeds: seeds,
                        detectableAtDecided: atDecided, reachesTarget: atDecided <= targetEffect)
    }

    /// Reads the "extension" object of an analysis with `contrasts` contrasts and `endpoints` endpoints.
    static func parse(_ value: ConfigValue, contrasts: Int, endpoints: Int, fail: (String) -> CompareError) throws(CompareError) -> SeedExtensionRule {
        guard let o = value.object else { throw fail("\"extension\" must be an object with keys \(keys.joined(separator: ", "))") }
        for k in o.keys.sorted() where !keys.contains(k) {
            throw fail("\"extension\": unknown key \(k); valid keys: \(keys.joined(separator: ", "))")
        }
        func integer(_ key: String, default d: Int? = nil, in range: ClosedRange<Int>) throws(CompareError) -> Int {
            guard let v = o[key] else {
                if let d { return d }
                throw fail("\"extension\": \"\(key)\" is required (an integer in \(range.lowerBound)…\(range.upperBound))")
            }
            guard case let .number(t) = v, let n = Int(t), range.contains(n) else {
                throw fail("\"extension\": \"\(key)\" must be an integer in \(range.lowerBound)…\(range.upperBound), got \(v)")
            }
            return n
        }
        let after = try integer("afterSeeds", in: 2...1000)
        let planned = try integer("plannedSeeds", in: 2...1000)
        let contrast = try integer("contrast", in: 1...contrasts)
        let endpoint = try integer("endpoint", default: 1, in: 1...endpoints)
        let maxSeeds = try integer("maxSeeds", in: 2...1000)
        guard case let .number(t)? = o["targetEffect"], let target = Double(t), target > 0, target.isFinite else {
            throw fail("\"extension\": \"targetEffect\" must be a number > 0 (the smallest difference to detect, in the metric's units), got \(o["targetEffect"].map { "\($0)" } ?? "nothing")")
        }
        guard after <= planned, planned <= maxSeeds else {
            throw fail("\"extension\": needs afterSeeds ≤ plannedSeeds ≤ maxSeeds, got \(after), \(planned), \(maxSeeds)")
        }
        return SeedExtensionRule(afterSeeds: after, plannedSeeds: planned, contrast: contrast - 1, endpoint: endpoint - 1, targetEffect: target, maxSeeds: maxSeeds)
    }
}
