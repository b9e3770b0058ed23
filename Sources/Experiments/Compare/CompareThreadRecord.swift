import Foundation

/// The threads per run a comparison started with, kept in `threads-per-job.json` in its folder.
///
/// The thread count changes a run's numerics (the order of the sums in the kernels), so the
/// arms of a seed are bit-paired only when they all ran with the same count. A partial run
/// resumes with the threads it saved, a fresh one takes the invocation's: an invocation with
/// another `--threads-per-job` (or "threadsPerJob") would mix the two within a seed. So the
/// first invocation records the value, and a later one that asks for another while any run
/// folder (or Slurm folder) exists is refused, naming both; `jobs` may change freely, as it only
/// sets how many runs train at once. A study begun before the record existed takes the value
/// from its runs' `config.json` (the first run in the executor's order that saved one).
public struct CompareThreadRecord: Codable, Sendable, Equatable {
    public var threadsPerJob: Int
    /// ISO 8601, UTC.
    public var date: String
    public var commit: String
    /// Where the value came from: the invocation that recorded it, or the runs' `config.json`.
    public var source: String

    /// The record in `layout`'s folder; nil when there is none.
    public static func read(_ layout: CompareLayout) throws(CompareError) -> CompareThreadRecord? {
        let url = layout.threads
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do { return try JSONDecoder().decode(CompareThreadRecord.self, from: Data(contentsOf: url)) } catch {
            throw .output(path: url.path, message: "cannot read the threads per run this comparison started with (\(error.localizedDescription)); "
                          + "restore it, or delete it to take the value from the runs' config.json")
        }
    }

    /// The threads each run of `study` with a saved config trained with, in the executor's order.
    static func used(_ study: Study) -> [(label: String, threads: Int)] {
        study.jobs.compactMap { job in job.work.saved(in: job.directory).map { (job.label, $0.training.threads) } }
    }

    /// Checks that `compare`'s threads per job are those its folder's runs use (see the type's
    /// documentation) and returns the record to write, nil when the one on disk is current.
    /// Throws `threadsChanged` when they differ and a run or Slurm folder exists.
    static func check(_ compare: CompareConfig, study: Study) throws(CompareError) -> CompareThreadRecord? {
        let layout = CompareLayout(directory: study.directory)
        let record = try read(layout)
        let used = used(study)
        let fm = FileManager.default
        let inUse = study.jobs.contains { fm.fileExists(atPath: $0.directory.path) } || fm.fileExists(atPath: study.slurm.path)
        let requested = compare.threadsPerJob
        if inUse, let started = record?.threadsPerJob ?? used.first?.threads, started != requested {
            throw .threadsChanged(path: study.directory.path, started: started, requested: requested,
                                  source: record != nil ? "recorded in \(layout.threads.lastPathComponent) when it started"
                                      : "config.json of run \(used.first?.label ?? "?")")
        }
        guard record?.threadsPerJob != requested else { return nil }
        let provenance = Provenance.current()
        return CompareThreadRecord(threadsPerJob: requested, date: provenance.date,
                                   commit: provenance.commit + (provenance.dirty ? " (with uncommitted changes)" : ""),
                                   source: used.isEmpty ? "the invocation that started the study"
                                       : "the runs' config.json (the study began before this record existed)")
    }

    /// Writes the record into `layout`'s folder.
    func write(_ layout: CompareLayout) throws(CompareError) {
        try CompareReport.saveJSON(self, layout.threads)
    }

    /// The Reproduce block's sentence on threads, from the runs' `config.json` (else the record):
    /// the count every run used and the option that reproduces it, or which runs used which count
    /// when they differ. Nil when neither says.
    static func reproduceText(_ compare: CompareConfig, layout: CompareLayout) -> String? {
        let used = used(CompareRunner(compare: compare, layout: layout).study)
        let counts = Set(used.map(\.threads)).sorted()
        if counts.count > 1 {
            let lists = counts.map { t in "\(t) thread(s): " + used.filter { $0.threads == t }.map(\.label).joined(separator: ", ") }
            return "**The runs did not all train with the same thread count** (each run's `config.json`): " + lists.joined(separator: "; ")
                + ". The thread count changes the numerics, so arms of a seed that differ in it are not bit-paired.\n"
        }
        let recorded = try? read(layout)
        guard let threads = counts.first ?? recorded?.threadsPerJob else { return nil }
        let source = counts.isEmpty ? "`\(layout.threads.lastPathComponent)`" : "each run's `config.json`"
        return "Every run trained with \(threads) thread(s) (\(source)); to reproduce its numbers bit for bit run with "
            + "`--threads-per-job \(threads)` (`--jobs` only sets how many runs train at once).\n"
    }
}
