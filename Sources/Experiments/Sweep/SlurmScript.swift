import Foundation

/// The `sbatch` array script of one submission: one array task per run listed in its runs file
/// (task i trains the run on line i + 1, whose key — its files' name under `configs/` and `exit/` —
/// is line i + 1 of the keys file), each `masklab train … --resume` in its run folder with
/// `--cpus-per-task` = the threads per run (and `--init-from` the path in `configs/<key>.init`
/// when that file exists: `TrainJob.initFrom`).
///
/// Before its time limit or on preemption Slurm sends SIGUSR1 to the batch shell
/// (`--signal=B:USR1@120`); the shell passes it to `train`, which stops after its step with a
/// checkpoint, and requeues the task, which then resumes with `--resume`. Every path in it is
/// absolute and lies in the study folder (plus the binary and the data): no shared home is needed.
public struct SlurmScript: Sendable {
    public var jobName: String
    public var tasks: Int
    public var threadsPerTask: Int
    public var time: String
    public var partition: String?
    /// The submission's list of run folders, one per line.
    public var runsFile: URL
    /// The keys of those runs (`TrainStudy.key`), line by line.
    public var keysFile: URL
    public var configs: URL
    public var exitCodes: URL
    public var logs: URL
    public var executable: URL
    public var dataRoot: URL

    /// The script text.
    public var text: String {
        var lines = [
            "#!/bin/bash",
            "#SBATCH --job-name=\(jobName)",
            "#SBATCH --array=0-\(tasks - 1)",
            "#SBATCH --ntasks=1",
            "#SBATCH --cpus-per-task=\(threadsPerTask)",
            "#SBATCH --time=\(time)",
        ]
        if let partition { lines.append("#SBATCH --partition=\(partition)") }
        lines += [
            "#SBATCH --requeue",
            "#SBATCH --signal=B:USR1@120",
            "#SBATCH --open-mode=append",
            "#SBATCH --output=\(logs.path)/\(runsFile.deletingPathExtension().lastPathComponent)-%a.out",
            "# Written by masklab: task i trains the run folder on line i + 1 of the runs file.",
            "set -u",
            "run=\"$(sed -n \"$((SLURM_ARRAY_TASK_ID + 1))p\" \(Self.quote(runsFile.path)))\"",
            "name=\"$(sed -n \"$((SLURM_ARRAY_TASK_ID + 1))p\" \(Self.quote(keysFile.path)))\"",
            "# A run that starts from given weights has their path in configs/<key>.init.",
            "init=\"$(cat \(Self.quote(configs.path))/\"$name.init\" 2>/dev/null || true)\"",
            "mkdir -p \"$run\"",
            "unset MASKLAB_PARENT_PID",
            "echo \"task ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID} on $(hostname): $run\"",
            "\(Self.quote(executable.path)) train --config \(Self.quote(configs.path))/\"$name.json\" --out \"$run\" --data \(Self.quote(dataRoot.path)) ${init:+--init-from \"$init\"} --resume --quiet >> \"$run/train.log\" 2>&1 &",
            "child=$!",
            "# Time limit or preemption near: checkpoint (train stops after its step), then requeue this task.",
            "trap 'kill -USR1 \"$child\"; wait \"$child\"; scontrol requeue \"${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}\"; exit 0' USR1",
            "wait \"$child\"",
            "rc=$?",
            "echo \"$rc\" > \(Self.quote(exitCodes.path))/\"$name\"",
            "exit \"$rc\"",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// `s` single-quoted for the shell.
    static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}
