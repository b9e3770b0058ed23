import Foundation
import Options

/// One point of a sweep: the settings it changes from the base config (config key path → value),
/// the run config they make, and its cell (the settings other than `seed`, which the report
/// summarises over seeds).
public struct SweepPoint: Sendable {
    public var settings: [(key: String, value: ConfigValue)]
    public var config: RunConfig

    /// The settings other than the seed, as "key=value, …" ("base" when there are none).
    public var cell: String {
        let rest = settings.filter { $0.key != "seed" }
        return rest.isEmpty ? "base" : rest.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
    }

    /// The cell and the seed, for messages.
    public var label: String { "\(cell) seed \(config.training.seed)" }

    /// `base` with `settings` applied through the option table and `threads` set; an unknown key
    /// (with the nearest valid one and the list of keys), a bad value or an invalid config is an error.
    static func make(base: RunConfig, settings: [(key: String, value: ConfigValue)], threads: Int, path: String) throws(SweepError) -> SweepPoint {
        let table = RunConfig.table
        var c = base
        for (key, value) in settings {
            if key == "threads" {
                throw .config(path: path, message: "threads cannot be an axis: \"threadsPerJob\" (or --threads-per-job) sets it for every run")
            }
            guard let option = table.option(key: key) else {
                let valid = table.options.map(\.key)
                throw .config(path: path, message: "unknown config key \(key) in an axis or point; "
                    + "\(OptionTable<RunConfig>.nearest(key, among: valid).map { "did you mean \($0)? " } ?? "")valid keys: \(valid.joined(separator: ", "))")
            }
            do { try option.write(&c, value) } catch { throw .config(path: path, message: "\(key)=\(value): \(error.message)") }
        }
        c.training.threads = threads
        let label = settings.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
        if let message = c.validationError() { throw .config(path: path, message: "point \(label): \(message)") }
        return SweepPoint(settings: settings, config: c)
    }
}
