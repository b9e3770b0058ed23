import Foundation
import Options

/// One point of a sweep: the settings it changes from the base config (config key path → value),
/// the job they make (a training run or a lottery run), and its cell (the settings other than the
/// seed, which the report summarises over seeds).
public struct SweepPoint: Sendable {
    public var settings: [(key: String, value: ConfigValue)]
    public var work: JobConfig

    /// The settings other than the seed, as "key=value, …" ("base" when there are none).
    public var cell: String {
        let rest = settings.filter { $0.key != work.seedKey }
        return rest.isEmpty ? "base" : rest.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
    }

    /// The cell and the seed, for messages.
    public var label: String { "\(cell) seed \(work.training.seed)" }

    /// `base` with `settings` (keys as `JobConfig.canonicalKey` spells them) applied through the
    /// option table of its kind and `threads` set; an unknown key (with the nearest valid one and
    /// the list of keys), a bad value or an invalid config is an error. A lottery's `transfer`
    /// and `initFrom` files must exist and are made absolute, as `masklab lottery` does.
    /// `varying`: the keys of `settings` that differ between the sweep's points (every key of an
    /// explicit point; a grid's axes with more than one value), checked for settings the
    /// optimiser or schedule ignores.
    static func make(base: JobConfig, settings: [(key: String, value: ConfigValue)], threads: Int, path: String,
                     varying: Set<String>) throws(SweepError) -> SweepPoint {
        let settings = settings.map { (key: $0.key, value: canonical($0.value)) }
        var work = base
        let threadsKey = base.canonicalKey("threads")
        for (key, value) in settings {
            if key == threadsKey {
                throw .config(path: path, message: "\(key) cannot be an axis: \"threadsPerJob\" (or --threads-per-job) sets it for every run")
            }
            let known: Bool
            do { known = try work.set(key, value) } catch { throw .config(path: path, message: "\(key)=\(value): \(error.message)") }
            guard known else {
                let valid = base.keys
                throw .config(path: path, message: "unknown config key \(key) in an axis or point; "
                    + "\(OptionTable<RunConfig>.nearest(key, among: valid).map { "did you mean \($0)? " } ?? "")valid keys: \(valid.joined(separator: ", "))")
            }
        }
        work.training.threads = threads
        let label = settings.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
        if let message = work.validationError() { throw .config(path: path, message: "point \(label): \(message)") }
        // An axis over a setting the optimiser or schedule ignores would train the same run twice.
        let run: RunConfig
        switch work {
        case let .train(c): run = c
        case let .lottery(c): run = c.run
        }
        if let message = run.unreadSettingError(given: settings.map(\.key).filter(varying.contains)) { throw .config(path: path, message: "point \(label): \(message)") }
        if case var .lottery(c) = work {
            for (key, file) in [("transfer", \LotteryConfig.transfer), ("initFrom", \LotteryConfig.initFrom)] {
                guard let given = c[keyPath: file] else { continue }
                guard FileManager.default.fileExists(atPath: given) else {
                    throw .config(path: path, message: "point \(label): \(key) \(given): no such file")
                }
                c[keyPath: file] = URL(fileURLWithPath: given).standardizedFileURL.path
            }
            work = .lottery(c)
        }
        return SweepPoint(settings: settings, work: work)
    }

    /// A number in one spelling per value, so that cells read alike whatever the file wrote
    /// (`1e-1`, `0.10` → `0.1`; `1e3`, `1000.0` → `1000`); other values as given.
    static func canonical(_ value: ConfigValue) -> ConfigValue {
        guard case let .number(text) = value, let d = Double(text), d.isFinite else { return value }
        if d == d.rounded(), abs(d) < 1e15 { return .number(String(Int64(d))) }
        return .number("\(d)")
    }
}
