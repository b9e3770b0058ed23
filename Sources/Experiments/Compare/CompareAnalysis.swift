import Foundation
import Training
import Options

/// The pre-registered part of a comparison, declared in its config before any run (key
/// "analysis"):
///
///     "analysis": {
///       "endpoints": [ {"metric": "testAccuracy", "epoch": 2}, {"metric": "testAccuracy", "epoch": "final"} ],
///       "contrasts": [ ["impacts", "dropconnect"], ["impacts+reg", "dropconnect"], ["impacts", "saliency"] ],
///       "reference": "dropconnect",
///       "margin": 0.01,
///       "extension": { "afterSeeds": 4, "contrast": 1, "endpoint": 1, "targetEffect": 0.02, "maxSeeds": 10 }   optional
///     }
///
/// Each contrast [a, b] is analysed on the per-seed differences a − b (the arms of a seed share
/// θ0, subset and data order) at every endpoint; Holm's correction runs over the contrasts of
/// one endpoint; `margin` (> 0, in the metric's units) is the equivalence margin δ of TOST. An
/// endpoint may carry its own, `{"metric": "testLoss", "epoch": "final", "margin": 0.02}`, and must
/// when the shared one would cover endpoints in different units: accuracy (`testAccuracy`, a
/// fraction: 0.01 = 1 point, so an accuracy margin is < 1) against losses (`testLoss`,
/// `trainLoss`, `gap` = test − train loss).
/// `reference` (an arm, or a list of arms) is what every other arm is also compared with,
/// paired, as exploratory rows. `extension` is a seed-extension rule (`SeedExtensionRule`).
public struct CompareAnalysis: Sendable, Equatable {
    public var endpoints: [PairedEndpoint]
    public var contrasts: [Contrast]
    public var references: [String]
    public var margin: Double
    public var seedExtension: SeedExtensionRule?

    /// A primary contrast: per-seed differences `first` − `second`.
    public struct Contrast: Sendable, Equatable {
        public var first: String
        public var second: String
        public init(_ first: String, _ second: String) { self.first = first; self.second = second }
        public var label: String { "\(first) − \(second)" }
    }

    public init(endpoints: [PairedEndpoint], contrasts: [Contrast], references: [String], margin: Double,
                seedExtension: SeedExtensionRule? = nil) {
        self.endpoints = endpoints
        self.contrasts = contrasts
        self.references = references
        self.margin = margin
        self.seedExtension = seedExtension
    }

    static let keys = ["contrasts", "endpoints", "extension", "margin", "reference"]

    /// The equivalence margin δ of `endpoint`: its own, or the analysis's.
    public func margin(for endpoint: PairedEndpoint) -> Double { endpoint.margin ?? margin }

    /// The analysis in the config's syntax ("reference" always a list, the extension's indices
    /// 1-based), as `analysis-declared.json` records it; `parse` reads it back unchanged.
    public var configValue: ConfigValue {
        var o: [String: ConfigValue] = [
            "endpoints": .array(endpoints.map { e in
                var o: [String: ConfigValue] = ["metric": .string(e.metric.rawValue), "epoch": e.epoch.map { .number(String($0)) } ?? .string("final")]
                if let m = e.margin { o["margin"] = .number("\(m)") }
                return .object(o)
            }),
            "contrasts": .array(contrasts.map { .array([.string($0.first), .string($0.second)]) }),
            "reference": .array(references.map { .string($0) }),
            "margin": .number("\(margin)"),
        ]
        if let seedExtension { o["extension"] = seedExtension.configValue }
        return .object(o)
    }

    /// Reads the "analysis" object; `arms` are the comparison's arm names and `epochs` its epoch
    /// budget (nil for an iteration budget, which allows only "final").
    static func parse(_ value: ConfigValue, arms: [String], epochs: Int?, path: String) throws(CompareError) -> CompareAnalysis {
        func fail(_ message: String) -> CompareError { .config(path: path, message: "\"analysis\": " + message) }
        guard let dict = value.object else {
            throw fail("expected an object with \(keys.map { "\"\($0)\"" }.joined(separator: ", "))")
        }
        for k in dict.keys.sorted() where !keys.contains(k) {
            throw fail("unknown key \(k); valid keys: \(keys.joined(separator: ", "))")
        }
        let validArms = "arms of this comparison: \(arms.joined(separator: ", "))"
        guard case let .array(endpointValues)? = dict["endpoints"], !endpointValues.isEmpty else {
            throw fail("\"endpoints\" must be a non-empty array such as [{\"metric\": \"testAccuracy\", \"epoch\": \"final\"}]")
        }
        var endpoints: [PairedEndpoint] = []
        for v in endpointValues {
            let e = try PairedEndpoint.parse(v, epochs: epochs, fail: fail)
            guard !endpoints.contains(where: { $0.metric == e.metric && $0.epoch == e.epoch }) else { throw fail("endpoint \(e.label) is declared twice") }
            endpoints.append(e)
        }
        guard case let .array(contrastValues)? = dict["contrasts"], !contrastValues.isEmpty else {
            throw fail("\"contrasts\" must be a non-empty array of arm pairs such as [[\"impacts\", \"dropconnect\"]]")
        }
        var contrasts: [Contrast] = []
        for v in contrastValues {
            guard case let .array(pair) = v, pair.count == 2, case let .string(a) = pair[0], case let .string(b) = pair[1] else {
                throw fail("each contrast is a pair of arm names [\"first\", \"second\"] (difference first − second); got \(v)")
            }
            for name in [a, b] where !arms.contains(name) { throw fail("contrast [\(a), \(b)]: unknown arm \(name); \(validArms)") }
            guard a != b else { throw fail("contrast [\(a), \(b)] compares an arm with itself") }
            let c = Contrast(a, b)
            guard !contrasts.contains(where: { Set([$0.first, $0.second]) == Set([a, b]) }) else {
                throw fail("contrast [\(a), \(b)] is declared twice (in either order)")
            }
            contrasts.append(c)
        }
        var references: [String] = []
        switch dict["reference"] {
        case let .string(r)?: references = [r]
        case let .array(list)?:
            for v in list {
                guard case let .string(r) = v else { throw fail("\"reference\" must be an arm name or a list of arm names; got \(v)") }
                references.append(r)
            }
        default: break
        }
        guard !references.isEmpty else { throw fail("\"reference\" must name an arm (or a list of arms); \(validArms)") }
        for r in references where !arms.contains(r) { throw fail("unknown reference arm \(r); \(validArms)") }
        guard case let .number(text)? = dict["margin"], let margin = Double(text), margin > 0, margin.isFinite else {
            throw fail("\"margin\" must be a number > 0 (the equivalence margin δ in the metric's units, e.g. 0.01 = 1 accuracy point); got \(dict["margin"].map { "\($0)" } ?? "nothing")")
        }
        let shared = endpoints.filter { $0.margin == nil }
        if shared.contains(where: { $0.metric.isAccuracy }) {
            guard margin < 1 else {
                throw fail("\"margin\" \(text) applies to \(shared.filter { $0.metric.isAccuracy }.map(\.label).joined(separator: ", ")), but accuracy is a fraction (0.01 = 1 point): a margin ≥ 1 declares every result equivalent")
            }
            if let loss = shared.first(where: { !$0.metric.isAccuracy }), let accuracy = shared.first(where: { $0.metric.isAccuracy }) {
                throw fail("endpoints \(accuracy.label) and \(loss.label) are in different units (accuracy, loss) but share \"margin\" \(text); give each its own, e.g. {\"metric\": \"\(loss.metric.rawValue)\", \"epoch\": ..., \"margin\": 0.02}")
            }
        }
        let rule = try dict["extension"].map { v throws(CompareError) in
            try SeedExtensionRule.parse(v, contrasts: contrasts.count, endpoints: endpoints.count, fail: fail)
        }
        return CompareAnalysis(endpoints: endpoints, contrasts: contrasts, references: references, margin: margin, seedExtension: rule)
    }
}

/// A metric of a run at one epoch: a primary endpoint of a comparison.
public struct PairedEndpoint: Sendable, Equatable {
    /// A per-epoch series of `metrics.csv`.
    public enum Metric: String, Sendable, CaseIterable {
        case testAccuracy, testLoss, trainLoss, gap

        /// Whether the metric is an accuracy (a fraction in [0, 1]) rather than a loss.
        public var isAccuracy: Bool { self == .testAccuracy }
    }
    public var metric: Metric
    /// 1-based epoch; nil = the last epoch of the budget ("final").
    public var epoch: Int?
    /// This endpoint's own equivalence margin δ (> 0, in the metric's units); nil: the analysis's.
    public var margin: Double?

    public init(_ metric: Metric, epoch: Int?, margin: Double? = nil) { self.metric = metric; self.epoch = epoch; self.margin = margin }

    public var label: String { "\(metric.rawValue) @ " + (epoch.map { "epoch \($0)" } ?? "final") }

    /// The endpoint's value in `run`: epoch `epoch`, or for "final" epoch `finalEpoch` (the
    /// budget; nil = the last logged epoch, for iteration budgets). nil when the run has not
    /// reached that epoch or the value is not finite.
    public func value(_ run: RunCurve, finalEpoch: Int?) -> Double? {
        let series: [Double]
        switch metric {
        case .testAccuracy: series = run.testAccuracy
        case .testLoss: series = run.testLoss
        case .trainLoss: series = run.trainLoss
        case .gap: series = run.gap
        }
        guard let e = epoch ?? finalEpoch ?? (series.isEmpty ? nil : series.count), e >= 1, e <= series.count, series[e - 1].isFinite else { return nil }
        return series[e - 1]
    }

    static func parse(_ v: ConfigValue, epochs: Int?, fail: (String) -> CompareError) throws(CompareError) -> PairedEndpoint {
        let metrics = Metric.allCases.map(\.rawValue).joined(separator: ", ")
        guard let o = v.object, Set(o.keys).isSubset(of: ["metric", "epoch", "margin"]), case let .string(m)? = o["metric"] else {
            throw fail("each endpoint is {\"metric\": one of \(metrics), \"epoch\": an epoch number or \"final\", optionally \"margin\": its own equivalence margin}; got \(v)")
        }
        guard let metric = Metric(rawValue: m) else { throw fail("unknown metric \(m); valid metrics: \(metrics)") }
        var margin: Double?
        if let value = o["margin"] {
            guard case let .number(t) = value, let d = Double(t), d > 0, d.isFinite else {
                throw fail("endpoint \(m): \"margin\" must be a number > 0 (in the metric's units), got \(value)")
            }
            guard !metric.isAccuracy || d < 1 else {
                throw fail("endpoint \(m): \"margin\" \(t) is ≥ 1, but accuracy is a fraction (0.01 = 1 point)")
            }
            margin = d
        }
        switch o["epoch"] {
        case .string("final")?:
            return PairedEndpoint(metric, epoch: nil, margin: margin)
        case let .number(t)?:
            guard let e = Int(t), e >= 1 else { throw fail("endpoint \(m): epoch must be an integer ≥ 1 or \"final\", got \(t)") }
            guard let budget = epochs else {
                throw fail("endpoint \(m) at epoch \(e): the budget is in iterations, so only \"final\" can be declared")
            }
            guard e <= budget else { throw fail("endpoint \(m) at epoch \(e) is beyond the budget of \(counted(budget, "epoch")) (valid: 1…\(budget) or \"final\")") }
            return PairedEndpoint(metric, epoch: e, margin: margin)
        default:
            throw fail("endpoint \(m): \"epoch\" must be an epoch number or \"final\", got \(o["epoch"].map { "\($0)" } ?? "nothing")")
        }
    }
}
