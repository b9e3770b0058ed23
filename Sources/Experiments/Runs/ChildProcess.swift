import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A child process of `compare`, started with `posix_spawn` so that it stays in the parent's
/// process group (Foundation's `Process` gives each child a group of its own, so a dropped
/// terminal's SIGHUP never reached the runs). Standard input is /dev/null, standard output and
/// error are appended to a log file, SIGINT, SIGTERM and SIGPIPE start at their defaults, and the
/// environment carries `ParentWatch.environmentKey` = this process's pid so the child can ask
/// to die with its parent.
public final class ChildProcess: @unchecked Sendable {
    public let pid: pid_t
    private var exitStatus: Int32?

    private init(pid: pid_t) { self.pid = pid }

    /// Starts `executable` with `arguments`, output appended to `log`.
    public static func launch(_ executable: URL, arguments: [String], log: URL) throws(RunError) -> ChildProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log.path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The parent ignores SIGINT/SIGTERM while it runs (InterruptHandler) and SIGPIPE always
        // (`MaskLab.main`); the child must not inherit that.
        var defaults = sigset_t(), mask = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGINT)
        sigaddset(&defaults, SIGTERM)
        sigaddset(&defaults, SIGPIPE)
        sigemptyset(&mask)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        var environment = ProcessInfo.processInfo.environment
        environment[ParentWatch.environmentKey] = String(getpid())
        let argv = ([executable.path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv + envp { free(p) } }
        var pid = pid_t()
        let rc = posix_spawn(&pid, executable.path, &actions, &attributes, argv, envp)
        guard rc == 0 else {
            throw .output(path: executable.path, message: "cannot start: \(String(cString: strerror(rc)))")
        }
        return ChildProcess(pid: pid)
    }

    /// nil while the child runs; once it ended, its exit status (128 + the signal when a signal ended it).
    public func poll() -> Int32? {
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        let waited = waitpid(pid, &status, WNOHANG)
        if waited == -1 && errno == ECHILD {   // reaped elsewhere: its status is lost
            exitStatus = 255
            return exitStatus
        }
        guard waited == pid else { return nil }
        let signal = status & 0x7f
        exitStatus = signal == 0 ? (status >> 8) & 0xff : 128 + signal
        return exitStatus
    }

    /// Sends `signal` to the child (nothing once it ended).
    public func send(_ signal: Int32) {
        guard poll() == nil else { return }
        kill(pid, signal)
    }
}
