import Foundation
import Training

/// Executes the runs of a comparison as child processes of the `masklab` binary
/// (`masklab train --config … --out … --resume --quiet`), `jobs` at a time with
/// `threadsPerJob` threads each, seed by seed (all arms of seed 0 first), so an interrupted
/// comparison has whole seeds.
///
/// Resumable by construction: a run folder whose `summary.json` says "completed" is skipped; any
/// other run is started with `--resume`, which continues from its checkpoint when there is one.
/// A folder holding another configuration (other than the thread count) is an error, never
/// overwritten.
public final class CompareRunner: @unchecked Sendable {
    /// What a run folder holds.
    public enum RunState: String, Sendable {
        case completed, partial, fresh
    }

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
    private var children: [Process] = []

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
        let fm = FileManager.default
        guard fm.fileExists(atPath: run.layout.config.path) else { return .fresh }
        let saved: RunConfig
        do { saved = try RunConfig.load(from: run.layout.config) } catch { throw .conflictingRun(path: run.layout.directory.path) }
        var planned = run.config
        planned.training.threads = saved.training.threads
        guard planned == saved else { throw .conflictingRun(path: run.layout.directory.path) }
        if let data = try? Data(contentsOf: run.layout.summary),
           let summary = try? JSONDecoder().decode(RunSummary.self, from: data), summary.status == "completed" {
            return .completed
        }
        run.config = planned
        return .partial
    }

    /// Runs everything not yet completed. Returns how many runs were started and skipped and
    /// whether a stop was requested; throws the first failure after the other runs finished.
    public func run() throws(CompareError) -> (started: Int, skipped: Int, stopped: Bool) {
        var pending: [PlannedRun] = []
        var skipped = 0
        for var r in Self.plan(compare, layout: layout) {
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
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("masklab-compare-\(ProcessInfo.processInfo.processIdentifier)", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        var running: [(run: PlannedRun, process: Process, started: Date)] = []
        var failure: CompareError?
        var started = 0
        while !pending.isEmpty || !running.isEmpty {
            while running.count < compare.jobs, !pending.isEmpty, !isStopping {
                let r = pending.removeFirst()
                do {
                    running.append((r, try launch(r, scratch: scratch), Date()))
                    started += 1
                    say("start   \(r.arm) seed \(r.seed)")
                } catch {
                    failure = failure ?? error
                }
            }
            if isStopping { pending.removeAll() }
            Thread.sleep(forTimeInterval: 0.2)
            running.removeAll { item in
                guard !item.process.isRunning else { return false }
                let status = item.process.terminationStatus
                let seconds = Int(Date().timeIntervalSince(item.started))
                if status == 0 {
                    say("done    \(item.run.arm) seed \(item.run.seed) (\(seconds) s)")
                } else if isStopping {
                    say("stopped \(item.run.arm) seed \(item.run.seed) (checkpoint written; run again to resume)")
                } else {
                    failure = failure ?? .runFailed(arm: item.run.arm, seed: item.run.seed, status: status, log: item.run.log.path)
                }
                lock.withLock { children.removeAll { $0 === item.process } }
                return true
            }
        }
        if let failure { throw failure }
        return (started, skipped, isStopping)
    }

    /// Asks every child to stop after its current step (SIGINT: each writes a checkpoint) and starts no new run.
    public func stop() {
        let list: [Process] = lock.withLock {
            stopping = true
            return children
        }
        for p in list where p.isRunning { p.interrupt() }
    }

    private var isStopping: Bool { lock.withLock { stopping } }

    private func launch(_ r: PlannedRun, scratch: URL) throws(CompareError) -> Process {
        let fm = FileManager.default
        let configFile = scratch.appendingPathComponent("\(r.arm)-seed-\(r.seed).json")
        do {
            try fm.createDirectory(at: scratch, withIntermediateDirectories: true)
            try fm.createDirectory(at: r.layout.directory, withIntermediateDirectories: true)
            try r.config.jsonText().write(to: configFile, atomically: true, encoding: .utf8)
            if !fm.fileExists(atPath: r.log.path) { _ = fm.createFile(atPath: r.log.path, contents: nil) }
        } catch {
            throw .output(path: r.layout.directory.path, message: "cannot prepare the run: \(error.localizedDescription)")
        }
        let p = Process()
        p.executableURL = executable
        p.arguments = ["train", "--config", configFile.path, "--out", r.layout.directory.path, "--data", dataRoot.path, "--resume", "--quiet"]
        p.standardInput = FileHandle.nullDevice
        do {
            let handle = try FileHandle(forWritingTo: r.log)
            handle.seekToEndOfFile()
            p.standardOutput = handle
            p.standardError = handle
            try p.run()
        } catch {
            throw .output(path: r.log.path, message: "cannot start \(executable.path): \(error.localizedDescription)")
        }
        lock.withLock { children.append(p) }
        return p
    }
}
