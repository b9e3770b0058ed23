import Foundation

/// Runs a study's jobs (`masklab train` or `masklab lottery`) as child processes of the `masklab`
/// binary on this machine, `jobs` at a time (each job's config carries its thread count), in the
/// order given. What `compare` and
/// `sweep --executor local` share.
///
/// The children share the parent's process group (`ChildProcess`) and die with it
/// (`ParentWatch`): a dropped terminal or a kill -9 of the parent leaves no run behind. A stop
/// request reaches each child once, as SIGTERM: it stops after its step with a checkpoint.
/// Children are spawned from the calling thread, which must be the main thread (see `ParentWatch`).
public final class LocalExecutor: @unchecked Sendable {
    /// How the jobs went.
    public struct Outcome: Sendable {
        /// Jobs started.
        public var started: Int
        /// Whether a stop was requested (the unstarted jobs were not started).
        public var stopped: Bool
        /// The jobs (indices into the list given to `run`) that ended with a non-zero exit status
        /// without a stop request, with that status; or that could not start (status nil, `message`).
        public var failures: [(index: Int, status: Int32?, message: String)]
    }

    public let executable: URL
    public let dataRoot: URL
    public let jobs: Int
    private let say: @Sendable (String) -> Void
    private let lock = NSLock()
    private var stopping = false
    private var children: [ChildProcess] = []

    public init(executable: URL, dataRoot: URL, jobs: Int, say: @escaping @Sendable (String) -> Void) {
        self.executable = executable
        self.dataRoot = dataRoot
        self.jobs = jobs
        self.say = say
    }

    /// The name of the folder (in `$TMPDIR`, suffixed with the study's pid) where the children's
    /// `--config` files are written; removed when the study's run ends.
    public static let scratchPrefix = "masklab-jobs-"

    /// A `command.txt` line for a child whose `--config` is one of these temporary files, which
    /// will be gone: where the same settings are kept (`file` in `folder`: a training run's
    /// config.json, or a lottery's lottery.json, for its levels too). A training run adds
    /// `masklab reproduce`, which takes a run folder (a lottery's levels, not its root). Nil for
    /// any other command line (a Slurm task's config stays in the study's folder).
    public static func configNote(_ commandLine: [String], folder: URL, file: String = RunLayout.configFile) -> String? {
        guard let i = commandLine.firstIndex(of: "--config"), i + 1 < commandLine.count else { return nil }
        let parent = URL(fileURLWithPath: commandLine[i + 1]).deletingLastPathComponent().lastPathComponent
        guard parent.hasPrefix(scratchPrefix) else { return nil }
        let saved = RunFolder.commandText([folder.appendingPathComponent(file).path])
        return "the --config file is the launching study's temporary copy of \(saved), removed when the study ends; "
            + "run again with --config \(saved)"
            + (file == RunLayout.configFile ? ", or `masklab reproduce \(RunFolder.commandText([folder.path]))`" : "")
    }

    /// Runs `list` and waits for every started job (says "start" or "resume" (`StudyJob.resumes`),
    /// then "done" or "stopped", per job).
    public func run(_ list: [StudyJob]) -> Outcome {
        var pending = Array(list.indices)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("\(Self.scratchPrefix)\(ProcessInfo.processInfo.processIdentifier)", isDirectory: true)
        TemporaryFolders.register(scratch)   // a second Ctrl-C, which exits at once, removes it too
        defer { TemporaryFolders.remove(scratch) }
        var running: [(index: Int, process: ChildProcess, started: Date)] = []
        var outcome = Outcome(started: 0, stopped: false, failures: [])
        while !pending.isEmpty || !running.isEmpty {
            while running.count < jobs, !pending.isEmpty, !isStopping {
                let i = pending.removeFirst()
                do {
                    running.append((i, try launch(list[i], scratch: scratch), Date()))
                    outcome.started += 1
                    say((list[i].resumes ? "resume  " : "start   ") + list[i].label)
                } catch {
                    outcome.failures.append((i, nil, error.description))
                }
            }
            if isStopping { pending.removeAll() }
            Thread.sleep(forTimeInterval: 0.2)
            running.removeAll { item in
                guard let status = item.process.poll() else { return false }
                let job = list[item.index]
                if status == 0 {
                    let seconds = Date().timeIntervalSince(item.started)
                    say("done    \(job.label) (" + (seconds < 10 ? String(format: "%.1f", seconds) : "\(Int(seconds))") + " s)")
                } else if isStopping {
                    say("stopped \(job.label) (checkpoint written; run again to resume)")
                } else {
                    outcome.failures.append((item.index, status, "exit \(status); see \(job.log.path)"))
                }
                lock.withLock { children.removeAll { $0 === item.process } }
                return true
            }
        }
        outcome.stopped = isStopping
        return outcome
    }

    /// Asks every child to stop after its current step (SIGTERM, once: each writes a checkpoint)
    /// and starts no new job.
    public func stop() {
        let list: [ChildProcess] = lock.withLock {
            stopping = true
            return children
        }
        for p in list { p.send(SIGTERM) }
    }

    private var isStopping: Bool { lock.withLock { stopping } }

    private func launch(_ job: StudyJob, scratch: URL) throws(RunError) -> ChildProcess {
        let fm = FileManager.default
        let configFile = scratch.appendingPathComponent("\(job.directory.lastPathComponent)-\(UUID().uuidString).json")
        do {
            try fm.createDirectory(at: scratch, withIntermediateDirectories: true)
            try fm.createDirectory(at: job.directory, withIntermediateDirectories: true)
            try job.work.jsonText().write(to: configFile, atomically: true, encoding: .utf8)
        } catch {
            throw .output(path: job.directory.path, message: "cannot prepare the run: \(error.localizedDescription)")
        }
        let child = try ChildProcess.launch(executable, arguments: job.arguments(configFile: configFile.path, dataRoot: dataRoot.path), log: job.log)
        lock.withLock { children.append(child) }
        return child
    }
}
