import Foundation
import Training

/// The run folders under a directory, one `Entry` each, for `masklab runs`: read only from
/// what each folder holds (`config.json`, `summary.json`, `metrics.csv`, the `.lock` file), so
/// it works on copied or archived results and never changes them.
///
/// A run folder is a folder whose `config.json` is a run configuration (compare and lottery
/// folders hold `compare.json`/`lottery.json` and are searched, not listed; a `prune
/// --structured` folder holds a config for a run yet to train and is not listed either). Status:
/// `running` while a live process holds the folder's lock (with its pid), else from
/// `summary.json`: `completed`, `interrupted` (stopped, e.g. Ctrl-C; `--resume` continues it),
/// `failed` (the loss became NaN/Inf); a folder without a summary and without a live writer
/// is `interrupted` (its writer was killed or crashed; the checkpoint continues it); a summary
/// that cannot be read (truncated, not JSON) or whose status is unknown gives `unknown`.
///
/// Damage is reported, not hidden (`scan`'s `warn`): a folder with run results (`summary.json`,
/// `metrics.csv`, a checkpoint) whose `config.json` is missing or not a run configuration is not
/// listed and says why; an unreadable `summary.json` and `metrics.csv` rows that cannot be read
/// are named with their file.
public enum RunListing {
    /// One run folder.
    public struct Entry: Codable, Sendable, Equatable {
        /// The folder relative to the listed directory.
        public var name: String
        public var model: String
        public var dataset: String
        /// The mask sampler (`none` without masks).
        public var masks: String
        /// completed, running, failed, interrupted (or unknown: an unreadable summary).
        public var status: String
        /// The writer's pid while `running`.
        public var pid: Int32?
        /// Epochs completed, and epochs the budget asks for (nil for an iteration budget).
        public var epochs: Int
        public var plannedEpochs: Int?
        public var finalTestAccuracy: Double?
        public var bestTestAccuracy: Double?
        /// Wall time spent training, seconds: `summary.json`'s total for a run that ended, else the
        /// completed epochs' (metrics.csv).
        public var seconds: Double
    }

    /// The columns, in table order: what `--sort` and `--filter` accept besides config keys.
    public static let columns = ["name", "model", "dataset", "masks", "status", "epochs", "final", "best", "time"]

    /// Every run folder under `root` (recursively, hidden folders skipped), sorted by name.
    /// `warn` gets one line per damaged folder or file (see the type's documentation).
    public static func scan(_ root: URL, warn: (String) -> Void = { _ in }) throws(RunError) -> [(entry: Entry, config: RunConfig)] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory) else {
            throw .output(path: root.path, message: "no such folder (name the folder that holds your runs: masklab runs PATH)")
        }
        guard isDirectory.boolValue else {
            throw .output(path: root.path, message: "a file, not a folder (name the folder that holds your runs, e.g. masklab runs \(root.deletingLastPathComponent().path))")
        }
        var found: [(Entry, RunConfig)] = []
        visit(root, name: "", into: &found, warn: warn)
        return found.sorted { $0.0.name < $1.0.name }
    }

    private static func visit(_ folder: URL, name: String, into found: inout [(Entry, RunConfig)], warn: (String) -> Void) {
        let layout = RunLayout(directory: folder)
        if !isStructuredPrune(layout) {
            do {
                let config = try RunConfig.load(from: layout.config)
                // The listed folder is a run itself: its own name.
                found.append((entry(layout, name: name.isEmpty ? folder.standardizedFileURL.lastPathComponent : name, config: config, warn: warn), config))
            } catch {
                // Only a folder that holds a run's results and is no other command's is a damaged run.
                let fm = FileManager.default
                let results = FolderOwner.runResults.filter {
                    fm.fileExists(atPath: folder.appendingPathComponent($0).path)
                }
                if !results.isEmpty && FolderOwner.of(folder) == nil {
                    let why = fm.fileExists(atPath: layout.config.path) ? "its config.json cannot be read (\(error))" : "it has no config.json"
                    warn("\(folder.path): not listed: it holds \(results.joined(separator: ", ")) but \(why)")
                }
            }
        }
        let children = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        for child in children.sorted() where !child.hasPrefix(".") {
            let url = folder.appendingPathComponent(child)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            visit(url, name: name.isEmpty ? child : name + "/" + child, into: &found, warn: warn)
        }
    }

    /// A folder `masklab prune --structured` wrote: its `config.json` describes the smaller
    /// model for a fine-tuning run elsewhere, and nothing was trained in it (no metrics, no summary).
    static func isStructuredPrune(_ layout: RunLayout) -> Bool {
        let fm = FileManager.default
        return fm.fileExists(atPath: layout.directory.appendingPathComponent(StructuredPrune.reportFile).path)
            && !fm.fileExists(atPath: layout.metrics.path) && !fm.fileExists(atPath: layout.summary.path)
    }

    /// The entry of the run in `layout`.
    static func entry(_ layout: RunLayout, name: String, config: RunConfig, warn: (String) -> Void = { _ in }) -> Entry {
        let t = config.training
        var planned: Int? = nil
        if case let .epochs(e) = t.budget { planned = e }
        var masks = config.masks?.name ?? "none"
        if config.masks == nil, let density = layout.fixedMaskDensity { masks = String(format: "ticket %.1f%%", 100 * density) }
        var e = Entry(name: name, model: t.model, dataset: t.dataset, masks: masks, status: "interrupted",
                      pid: nil, epochs: 0, plannedEpochs: planned, finalTestAccuracy: nil, bestTestAccuracy: nil, seconds: 0)
        // summary.json read as plain JSON: its "config" is the whole run config, not the trainer's.
        let summaryData = try? Data(contentsOf: layout.summary)
        let summary = summaryData.flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
        if summaryData != nil && summary == nil {
            e.status = "unknown"
            warn("\(layout.summary.path): cannot be read as JSON (truncated or damaged): status unknown")
        }
        if let summary {
            e.status = switch (summary["status"] as? String).flatMap(RunStatus.init(rawValue:)) {
            case .completed: "completed"
            case .stopped: "interrupted"
            case .nonFinite: "failed"
            case nil: "unknown"
            }
            e.epochs = (summary["epochs"] as? NSNumber)?.intValue ?? 0
            e.finalTestAccuracy = (summary["finalTestAccuracy"] as? NSNumber)?.doubleValue
            e.bestTestAccuracy = (summary["bestTestAccuracy"] as? NSNumber)?.doubleValue
            e.seconds = (summary["totalSeconds"] as? NSNumber)?.doubleValue ?? 0
        }
        if let holder = FolderLock.holder(of: layout.directory) {
            e.status = "running"
            e.pid = holder.pid
        }
        if summary == nil || e.status == "running", let rows = metricsRows(layout.metrics, warn: warn) {
            // A run in progress (or cut off) has no summary yet, or an older one: metrics.csv is current.
            e.epochs = rows.count
            e.finalTestAccuracy = rows.last?.accuracy
            e.bestTestAccuracy = rows.map(\.accuracy).max()
            e.seconds = rows.reduce(0) { $0 + $1.seconds }
        }
        return e
    }

    /// Test accuracy and wall seconds of each row of `metrics.csv`; nil when unreadable. Rows
    /// that cannot be read are left out and named through `warn` (line numbers from 1).
    private static func metricsRows(_ url: URL, warn: (String) -> Void = { _ in }) -> [(accuracy: Double, seconds: Double)]? {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return nil }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let header = lines.first?.split(separator: ",", omittingEmptySubsequences: false),
              let a = header.firstIndex(of: "test_accuracy"), let s = header.firstIndex(of: "wall_seconds") else {
            warn("\(url.path), line 1: no test_accuracy and wall_seconds columns: epochs not counted")
            return nil
        }
        var bad: [Int] = []
        let rows: [(accuracy: Double, seconds: Double)] = lines.enumerated().dropFirst().compactMap { (k, line) in
            if line.isEmpty { return nil }
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            guard f.count == header.count, let accuracy = Double(f[a]), let seconds = Double(f[s]) else {
                bad.append(k + 1)
                return nil
            }
            return (accuracy, seconds)
        }
        if !bad.isEmpty {
            warn("\(url.path): \(bad.count == 1 ? "line" : "lines") \(bad.map(String.init).joined(separator: ", ")) cannot be read "
                 + "(expected \(header.count) comma-separated fields with numbers): left out")
        }
        return rows
    }
}
