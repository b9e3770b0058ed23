import Foundation

/// The `sbatch` array script of one submission: one array task per run listed in its runs file
/// (task i runs the job of the folder on line i + 1, whose key — its files' name under
/// `configs/` and `exit/` — is line i + 1 of the keys file), with `--cpus-per-task` = the threads
/// per run. A task runs `masklab` with the arguments in `configs/<key>.args`, one per line
/// (`StudyJob.arguments`: `train … --resume` or `lottery …`, config and folder included), and
/// appends its output to `<subcommand>.log` in the folder.
///
/// Before its time limit or on preemption Slurm sends SIGUSR1 to the batch shell
/// (`--signal=B:USR1@120`); the shell passes it to masklab, which stops after its step with a
/// checkpoint, and requeues the task, which then resumes (train with `--resume`; a lottery keeps
/// its finished levels and resumes the interrupted one). Every path in it is absolute and lies in
/// the study folder (plus the binary and the data): no shared home is needed.
public struct SlurmScript: Sendable {
    public var jobName: String
    public var tasks: Int
    public var threadsPerTask: Int
    public var time: String
    public var partition: String?
    /// The submission's list of run folders, one per line.
    public var runsFile: URL
    /// The keys of those runs (`Study.key`), line by line.
    public var keysFile: URL
    /// Holds `<key>.args` (and `<key>.json`, the config those arguments name) of every run.
    public var configs: URL
    public var exitCodes: URL
    public var logs: URL
    public var executable: URL

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
            "# Written by masklab: task i runs the job of the folder on line i + 1 of the runs file,",
            "# with the masklab arguments in configs/<key>.args (one per line; the first is the subcommand).",
            "set -u",
            "run=\"$(sed -n \"$((SLURM_ARRAY_TASK_ID + 1))p\" \(Self.quote(runsFile.path)))\"",
            "name=\"$(sed -n \"$((SLURM_ARRAY_TASK_ID + 1))p\" \(Self.quote(keysFile.path)))\"",
            "mapfile -t args < \(Self.quote(configs.path))/\"$name.args\"",
            "mkdir -p \"$run\"",
            "unset MASKLAB_PARENT_PID",
            "echo \"task ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID} on $(hostname): ${args[0]} $run\"",
            "\(Self.quote(executable.path)) \"${args[@]}\" >> \"$run/${args[0]}.log\" 2>&1 &",
            "child=$!",
            "# Time limit or preemption near: checkpoint (masklab stops after its step), then requeue this task.",
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
