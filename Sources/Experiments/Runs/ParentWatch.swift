import Foundation
import CProcessControl
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The child's half of `compare`'s promise that its runs die with it. `ChildProcess` puts the
/// parent's pid in the child's environment; the child (`masklab train`) calls `adopt()` first
/// thing, which asks the kernel for SIGTERM when the parent dies (Linux `PR_SET_PDEATHSIG`) and
/// then checks that the parent is still the one that started it, since it may have died before
/// the request. SIGTERM makes a run stop after its current step with a checkpoint, so a rerun of
/// the comparison resumes it.
///
/// The kernel sends the signal when the parent *thread* that spawned the child ends, so
/// `compare` spawns its children from its main thread, which lives as long as the process.
public enum ParentWatch {
    /// The environment variable holding the parent's pid.
    public static let environmentKey = "MASKLAB_PARENT_PID"

    /// When this process was started by a `ChildProcess` parent: arranges SIGTERM on the
    /// parent's death (sent at once when it is already gone) and returns true; otherwise
    /// changes nothing and returns false.
    @discardableResult
    public static func adopt() -> Bool {
        guard let text = ProcessInfo.processInfo.environment[environmentKey], let parent = Int32(text) else { return false }
        _ = masklab_set_parent_death_signal(SIGTERM)
        if getppid() != parent { kill(getpid(), SIGTERM) }
        return true
    }
}
