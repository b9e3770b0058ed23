import Foundation
import Training
import Options

/// What every study file (`SweepConfig`, `PruningSweepConfig`) starts with: the file read as a
/// config value (JSON, or YAML when it ends in .yaml/.yml), and the top-level object checked for
/// unknown keys, with the keys every study has: "name" (it names the folder), "jobs" and
/// "threadsPerJob" (each an integer ≥ 1, default 1).
enum StudyFile {
    /// The file's value; a syntax error names the line and column.
    /// `command` names the subcommand in errors ("sweep config …", "prune-sweep config …").
    static func load(_ url: URL, command: String = "sweep") throws(SweepError) -> ConfigValue {
        do { return try ConfigText.load(path: url.path) } catch {
            throw .config(path: url.path, message: error.line.map { "line \($0), column \(error.column ?? 0): " }.map { $0 + error.message } ?? error.message,
                          command: command)
        }
    }

    /// The top-level object of `value` (only `keys` allowed), its name, jobs and threads per job.
    static func header(_ value: ConfigValue, keys: [String], path: String, command: String = "sweep") throws(SweepError) -> (object: [String: ConfigValue], name: String, jobs: Int, threadsPerJob: Int) {
        func fail(_ message: String) -> SweepError { .config(path: path, message: message, command: command) }
        guard let dict = value.object else { throw fail("expected an object at the top level (keys \(keys.joined(separator: ", ")))") }
        for k in dict.keys.sorted() where !keys.contains(k) {
            throw fail("unknown key \(k); \(OptionTable<RunConfig>.nearest(k, among: keys).map { "did you mean \($0)? " } ?? "")valid keys: \(keys.joined(separator: ", "))")
        }
        guard case let .string(name)? = dict["name"], !name.isEmpty,
              name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.+".contains($0) }) else {
            throw fail("\"name\" must be a non-empty string of letters, digits and - _ . + (it names the folder)")
        }
        func count(_ key: String) throws(SweepError) -> Int {
            guard let v = dict[key] else { return 1 }
            guard case let .number(t) = v, let n = Int(t), n >= 1 else { throw fail("\"\(key)\": expected an integer ≥ 1, got \(v)") }
            return n
        }
        let jobs = try count("jobs"), threads = try count("threadsPerJob")
        guard threads <= TrainingConfig.maxThreads else { throw fail("\"threadsPerJob\" must be in [1, \(TrainingConfig.maxThreads)], got \(threads)") }
        if let m = baseThreadsConflict(dict["base"], threadsPerJob: threads) { throw fail(m) }
        return (dict, name, jobs, threads)
    }

    /// The refusal when a study's `base` sets `threads` (or a lottery base's `run.threads`) to
    /// other than `threadsPerJob`, which sets every run's threads (and so its bits): the base's
    /// value would be replaced without a word. Nil when it agrees or is not given.
    static func baseThreadsConflict(_ base: ConfigValue?, threadsPerJob: Int) -> String? {
        let object = base?.object
        for (key, value) in [("base.threads", object?["threads"]), ("base.run.threads", object?["run"]?.object?["threads"])] {
            if case let .number(t)? = value, Int(t) != threadsPerJob {
                return "\"\(key)\" is \(t), but \"threadsPerJob\" (\(threadsPerJob)) sets every run's threads: "
                    + "remove threads from base, or set \"threadsPerJob\": \(t)"
            }
        }
        return nil
    }
}
