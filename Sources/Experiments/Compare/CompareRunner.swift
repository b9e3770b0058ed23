import Foundation
import Training

/// Executes the runs of a comparison as child processes of the `masklab` binary through the
/// `LocalExecutor` that `sweep` uses too (`masklab train --config … --out … --resume --quiet`), `jobs` at a time with
/// `threadsPerJob` threads each, seed by seed (all arms of seed 0 first), so an interrupted
/// comparison has whole seeds.
///
/// Resumable by construction: a run folder whose `summary.json` says completed is skipped; any
/// other run is started with `--resume`, which continues from its checkpoint when there is one.
/// A folder holding another configuration (other than the thread count) is an error, never
/// overwritten, and so is a folder another live process writes (a stray run of an earlier
/// comparison): `prepare()` finds both before anything is written or started.
///
/// The children share the parent's process group (`ChildProcess`) and die with it
/// (`ParentWatch`): a dropped terminal or a kill -9 of `compare` leaves no run behind. A stop
/// request reaches each child once, as SIGTERM: it stops after its step with a checkpoint.
public final class CompareRunner: @unchecked Sendable {
    /// What a run folder holds.
    public typealias RunState = TrainJob.State

    /// One run of the plan.
    public struct PlannedRun: Sendable {
        public var arm: String
        public var seed: UInt64
        public var config: RunConfig
        public var layout: RunLayout
        public var log: URL
    }

    public let compare: CompareConfig
    public let layout: CompareLayout
    public let executable: URL
    public let dataRoot: URL
    private let say: @Sendable (String) -> Void
    private let lock = NSLock()
    private var stopping = false
    private var executor: LocalExecutor?

    public init(compare: CompareConfig, layout: CompareLayout, executable: URL, dataRoot: URL, say: @escaping @Sendable (String) -> Void) {
        self.compare = compare
        self.layout = layout
        self.executable = executable
        self.dataRoot = dataRoot
        self.say = say
    }

    /// Every run, seed-major, with its planned configuration.
    public static func plan(_ compare: CompareConfig, layout: CompareLayout) -> [PlannedRun] {
        compare.seeds.flatMap { seed in
            compare.arms.map { arm in
                PlannedRun(arm: arm.name, seed: seed, config: compare.runConfig(arm, seed: seed),
                           layout: layout.run(arm: arm.name, seed: seed), log: layout.log(arm: arm.name, seed: seed))
            }
        }
    }

    /// The state of `run`'s folder; a folder with another configuration (threads aside) throws.
    /// For a partial run, `run.config.training.threads` is set to the saved one so the resumed
    /// run continues bit-identically.
    public static func state(of run: inout PlannedRun) throws(CompareError) -> RunState {
        var job = TrainJob(label: run.arm, config: run.config, layout: run.layout, log: run.log)
        guard let state = job.folderState() else { throw .conflictingRun(path: run.layout.directory.path) }
        run.config = job.config
        return state
    }

    /// The runs still to do, checked before anything is written: throws for a folder with
    /// another configuration and for a folder a live process writes (naming its pid). Says
    /// which runs resume and how many are skipped.
    public func prepare() throws(CompareError) -> [PlannedRun] {
        var pending: [PlannedRun] = []
        var skipped = 0
        for var r in Self.plan(compare, layout: layout) {
            if let holder = FolderLock.holder(of: r.layout.directory) {
                throw .busyRun(path: r.layout.directory.path, holder: holder)
            }
            switch try Self.state(of: &r) {
            case .completed:
                skipped += 1
            case .partial:
                say("resume  \(r.arm) seed \(r.seed)")
                pending.append(r)
            case .fresh:
                pending.append(r)
            }
        }
        if skipped > 0 { say("skipping \(skipped) completed run(s)") }
        return pending
    }

    /// Runs `pending` (from `prepare()`) through a `LocalExecutor`. Returns how many runs were
    /// started and whether a stop was requested; throws the first failure after the other runs finished.
    public func run(_ pending: [PlannedRun]) throws(CompareError) -> (started: Int, stopped: Bool) {
        let executor = LocalExecutor(executable: executable, dataRoot: dataRoot, jobs: compare.jobs, say: say)
        lock.withLock { self.executor = executor }
        if isStopping { executor.stop() }
        let outcome = executor.run(pending.map { TrainJob(label: "\($0.arm) seed \($0.seed)", config: $0.config, layout: $0.layout, log: $0.log) })
        if let first = outcome.failures.first {
            let r = pending[first.index]
            guard let status = first.status else { throw .output(path: r.log.path, message: first.message) }
            throw .runFailed(arm: r.arm, seed: r.seed, status: status, log: r.log.path)
        }
        return (outcome.started, outcome.stopped)
    }

    /// Asks every child to stop after its current step (SIGTERM, once: each writes a checkpoint)
    /// and starts no new run.
    public func stop() {
        let executor: LocalExecutor? = lock.withLock {
            stopping = true
            return self.executor
        }
        executor?.stop()
    }

    private var isStopping: Bool { lock.withLock { stopping } }
}

extension CompareRunner {
    /// The whole comparison (what `masklab compare` does without --report-only): takes the
    /// comparison folder (locked while it runs: a second `compare` on it fails with this one's
    /// pid), checks every run folder (`prepare`), and only then writes `compare.json` and
    /// `command.txt`, runs what is left, and on a stop or a failure writes the report from what
    /// exists. Returns how many runs were started and whether a stop was requested.
    public func execute(commandLine: [String]) throws(CompareError) -> (started: Int, stopped: Bool) {
        let folder: RunFolder
        do {
            folder = try RunFolder.open(layout.directory, commandLine: commandLine, results: [], holds: "a comparison", reuse: .resume, choices: [])
        } catch { throw .folder(error) }
        defer { folder.close() }
        let pending = try prepare()
        do {
            try folder.write(compare.sourceText + "\n", to: CompareLayout.configFile)
            try folder.writeCommand([("data", dataRoot.path), ("jobs", "\(compare.jobs) × \(compare.threadsPerJob) thread(s)")])
        } catch { throw .folder(error) }
        let outcome: (started: Int, stopped: Bool)
        do { outcome = try run(pending) } catch {
            _ = try? CompareReport.write(compare, layout: layout)
            throw error
        }
        if outcome.stopped { _ = try? CompareReport.write(compare, layout: layout) }
        return outcome
    }
}
