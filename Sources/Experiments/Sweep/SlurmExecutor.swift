import Foundation

/// Runs a study's pending runs (`Study`: a sweep's points, a comparison's arms × seeds) as
/// one Slurm array job per submission (`SlurmScript`), submitted with `sbatch --parsable` and
/// followed with `squeue`; when the queue holds none of the study's tasks any more, runs that were
/// interrupted (cancelled, preempted, a node lost) are submitted again, at most `maxResubmits`
/// times each, and failed runs are reported with their log tails.
///
/// Everything lives in the study's `slurm/` folder: `batch-<k>.sh` (the script), `batch-<k>.runs`
/// (its run folders) and `batch-<k>.keys` (their keys, `Study.key`), `batch-<k>.job` (the
/// job id), `configs/<key>.json` and `configs/<key>.args` (the run's config and its masklab
/// arguments), `exit/<key>` (the exit status `train` or `lottery` ended with) and `logs/`.
/// The study's tasks carry one job name (`jobName`), so a second submission finds the runs
/// already pending or running and does not submit them again; completed runs are never submitted.
public final class SlurmExecutor: @unchecked Sendable {
    /// The Slurm settings of a submission.
    public struct Options: Sendable {
        public var partition: String?
        /// `--time` of each task (Slurm's formats, e.g. "2:00:00", "1-00:00:00").
        public var time: String
        public var maxResubmits: Int
        /// Seconds between two looks at the queue.
        public var poll: Double

        public init(partition: String? = nil, time: String = "4:00:00", maxResubmits: Int = 3, poll: Double = 1) {
            self.partition = partition
            self.time = time
            self.maxResubmits = maxResubmits
            self.poll = poll
        }
    }

    public let study: Study
    public let options: Options
    public let executable: URL
    public let dataRoot: URL
    private let say: @Sendable (String) -> Void
    private var submissions: [String: Int] = [:]

    public init(study: Study, options: Options, executable: URL, dataRoot: URL, say: @escaping @Sendable (String) -> Void) {
        self.study = study
        self.options = options
        self.executable = executable
        self.dataRoot = dataRoot
        self.say = say
    }

    var folder: URL { study.slurm }
    var configs: URL { folder.appendingPathComponent("configs", isDirectory: true) }
    var exitCodes: URL { folder.appendingPathComponent("exit", isDirectory: true) }
    var logs: URL { folder.appendingPathComponent("logs", isDirectory: true) }

    /// The job name of every task of the study: the study's name and a hash of its folder.
    public var jobName: String {
        "masklab-\(study.name)-" + String(format: "%08x", UInt32(truncatingIfNeeded: RunName.fnv1a(study.directory.standardizedFileURL.path) >> 32))
    }

    /// Submits what is neither completed nor queued, then (when `wait`) follows the tasks until
    /// none is left, resubmitting interrupted runs. Throws the failed runs, each with its folder
    /// and log tail.
    public func execute(wait: Bool, stopRequested: () -> Bool) throws(SweepError) -> Study.Outcome {
        try SlurmCommand.checkAvailable()
        let queued = try queue()
        let todo = try study.pending(checkLocks: false, queued: Set(queued.keys)) { say($0) }
        if !queued.isEmpty {
            say("\(queued.count) run(s) already pending or running in Slurm (job name \(jobName)): not submitted again")
        }
        if todo.isEmpty && queued.isEmpty {
            say("nothing to submit: every run is completed")
            return .finished
        }
        if !todo.isEmpty { try submit(todo) }
        guard wait else {
            say("submitted; run the same command again to follow the tasks and write the report (nothing is submitted twice)")
            return .submitted
        }
        return try follow(stopRequested: stopRequested)
    }

    /// Asks Slurm, before the study writes anything, whether it would take one task as submitted
    /// (`sbatch --test-only`: the partition, the time limit, the CPUs per task); throws with
    /// Slurm's own message when not, so a bad `--partition` or `--time` leaves nothing behind.
    public func preflight() throws(SweepError) {
        var arguments = ["--test-only", "--cpus-per-task=\(study.threadsPerJob)", "--time=\(options.time)"]
        if let partition = options.partition { arguments.append("--partition=\(partition)") }
        let result = try SlurmCommand.run("sbatch", arguments + ["--wrap", "true"])
        guard result.status == 0 else {
            throw .slurm("sbatch refused the job (sbatch --test-only, before anything was written):\n"
                         + (result.stderr + result.stdout).trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    /// Writes the array script of `jobs`, submits it and records its job id.
    func submit(_ jobs: [StudyJob]) throws(SweepError) {
        let fm = FileManager.default
        let k = ((try? fm.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasPrefix("batch-") && $0.hasSuffix(".sh") }.count + 1
        let script = folder.appendingPathComponent("batch-\(k).sh"), runsFile = folder.appendingPathComponent("batch-\(k).runs")
        let keysFile = folder.appendingPathComponent("batch-\(k).keys")
        try writeSubmission(jobs, script: script, runsFile: runsFile, keysFile: keysFile)
        let result = try SlurmCommand.run("sbatch", ["--parsable", script.path])
        let id = result.stdout.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
        guard result.status == 0, !id.isEmpty, id.allSatisfy(\.isNumber) else {
            try? fm.removeItem(at: script)
            try? fm.removeItem(at: runsFile)
            try? fm.removeItem(at: keysFile)
            throw .slurm("sbatch refused the job (script \(script.path)):\n" + (result.stderr + result.stdout).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        do { try RunFolder.writeAtomically(Data((id + "\n").utf8), to: folder.appendingPathComponent("batch-\(k).job")) } catch {
            throw .folder(error)
        }
        for j in jobs { submissions[study.key(j), default: 0] += 1 }
        say("submitted job \(id): \(jobs.count) task(s), \(study.threadsPerJob) CPU(s) each (\(script.path))")
        for j in jobs where j.resumes { say("resume  \(j.label) (from its checkpoint, in task \(id))") }
    }

    /// Writes what the tasks of `jobs` read: each job's config and arguments under `configs/`
    /// (and removes its old exit code), the runs and keys files, and the script.
    func writeSubmission(_ jobs: [StudyJob], script: URL, runsFile: URL, keysFile: URL) throws(SweepError) {
        let fm = FileManager.default
        let text = SlurmScript(jobName: jobName, tasks: jobs.count, threadsPerTask: study.threadsPerJob, time: options.time,
                               partition: options.partition, runsFile: runsFile, keysFile: keysFile, configs: configs, exitCodes: exitCodes, logs: logs,
                               executable: executable).text
        do {
            for dir in [configs, exitCodes, logs] { try fm.createDirectory(at: dir, withIntermediateDirectories: true) }
            for j in jobs {
                let key = study.key(j)
                let config = configs.appendingPathComponent(key + ".json")
                let arguments = j.arguments(configFile: config.path, dataRoot: dataRoot.path)
                if let bad = arguments.first(where: { $0.contains("\n") }) {
                    throw SweepError.output(path: j.directory.path, message: "a Slurm task reads its arguments one per line, and this one holds a line break: \(bad.debugDescription)")
                }
                try fm.createDirectory(at: j.directory, withIntermediateDirectories: true)
                try RunFolder.writeAtomically(Data(j.work.jsonText().utf8), to: config)
                try RunFolder.writeAtomically(Data(arguments.map { $0 + "\n" }.joined().utf8), to: configs.appendingPathComponent(key + ".args"))
                try? fm.removeItem(at: exitCodes.appendingPathComponent(key))
            }
            try RunFolder.writeAtomically(Data(jobs.map { $0.directory.path + "\n" }.joined().utf8), to: runsFile)
            try RunFolder.writeAtomically(Data(jobs.map { study.key($0) + "\n" }.joined().utf8), to: keysFile)
            try RunFolder.writeAtomically(Data(text.utf8), to: script)
        } catch let e as SweepError { throw e } catch { throw .output(path: folder.path, message: "cannot write the submission: \(error)") }
    }

    /// The study's tasks in the queue: run key → state (PENDING, RUNNING, …).
    func queue() throws(SweepError) -> [String: String] {
        let result = try SlurmCommand.run("squeue", ["-h", "-r", "-n", jobName, "-o", "%F|%K|%T"])
        guard result.status == 0 else {
            throw .slurm("squeue failed: " + (result.stderr + result.stdout).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        var batches: [String: [String]] = [:]
        // Oldest first, so that when a restarted cluster reuses a job id the latest submission wins.
        let jobFiles = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".job") }
            .sorted { (Int($0.dropFirst(6).dropLast(4)) ?? 0) < (Int($1.dropFirst(6).dropLast(4)) ?? 0) }
        for name in jobFiles {
            let base = String(name.dropLast(4))
            guard let id = try? String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8),
                  let keys = try? String(contentsOf: folder.appendingPathComponent(base + ".keys"), encoding: .utf8) else { continue }
            batches[id.trimmingCharacters(in: .whitespacesAndNewlines)] = keys.split(separator: "\n").map(String.init)
        }
        var out: [String: String] = [:]
        for line in result.stdout.split(separator: "\n") {
            let f = line.split(separator: "|").map(String.init)
            guard f.count == 3, let runs = batches[f[0]], let task = Int(f[1]), runs.indices.contains(task) else { continue }
            out[runs[task]] = f[2]
        }
        return out
    }

    private func follow(stopRequested: () -> Bool) throws(SweepError) -> Study.Outcome {
        let jobs = Dictionary(study.jobs.map { (study.key($0), $0) }, uniquingKeysWith: { a, _ in a })
        var last: [String: String] = [:]
        while true {
            if stopRequested() {
                say("stopped following; the tasks go on in Slurm: run the same command again to follow them and write the report")
                return .stopped
            }
            let now = try queue()
            for (run, state) in now.sorted(by: { $0.key < $1.key }) where last[run] != state {
                say("\(state.lowercased().padding(toLength: max(8, state.count), withPad: " ", startingAt: 0)) \(jobs[run]?.label ?? run)")   // COMPLETING in full
            }
            for run in last.keys.sorted() where now[run] == nil {
                let status = jobs[run].map { $0.work.status(in: $0.directory) } ?? "no such run"
                say("ended    \(jobs[run]?.label ?? run): \(status)")
            }
            last = now
            if now.isEmpty {
                var again: [StudyJob] = [], failed: [String] = []
                for (job, state) in try study.states() where state != .completed {
                    let name = study.key(job)
                    if state == .diverged && submissions[name] == nil { continue }   // diverged before: reported, not run again
                    let code = (try? String(contentsOf: exitCodes.appendingPathComponent(name), encoding: .utf8))
                        .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
                    if let code, code != 0, code != 130 {
                        failed.append(Study.failureText(job, reason: "\(job.work.subcommand) exited with status \(code)", blinded: study.blinded))
                    } else if submissions[name, default: 0] <= options.maxResubmits {
                        say("resubmit \(job.label) (its task ended before the run completed: cancelled, preempted or out of time; it resumes from its checkpoint)")
                        again.append(job)
                    } else {
                        failed.append(Study.failureText(job, reason: "interrupted \(submissions[name, default: 0]) time(s); not resubmitted again", blinded: study.blinded))
                    }
                }
                if !again.isEmpty {
                    try submit(again)
                } else if !failed.isEmpty {
                    throw .runsFailed(failed)
                } else {
                    return .finished
                }
            }
            Thread.sleep(forTimeInterval: options.poll)
        }
    }
}
