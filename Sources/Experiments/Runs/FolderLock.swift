import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The advisory lock of one output folder: `flock(LOCK_EX)` on `<folder>/.lock`, which holds the
/// writer's pid and command line. The kernel releases a `flock` when its holder exits however
/// it exits (kill -9 included), so a `.lock` file left by a dead process never blocks anyone; a
/// live holder makes a second writer fail at once with the holder's pid.
///
/// The descriptor is opened close-on-exec, so child processes (`compare`'s runs, `git`) never
/// inherit the lock. The lock is held until `release()` or until the object is freed.
///
/// A lock guards a path only while its `.lock` is the file at that path: once the folder is
/// deleted (`rm -rf`) or replaced, a new writer creates a new `.lock` and locks it, and the old
/// holder's lock is on a file nobody sees. So a holder checks `isStillAtItsPath` before it writes
/// (`RunFolder`, and the trainer through `RunFolder.trainerCheck`), and `claims(over:)` finds the
/// locks this process holds over a file it is about to write.
public final class FolderLock: @unchecked Sendable {
    public static let fileName = ".lock"

    /// The folder's lock file.
    public let url: URL
    private var descriptor: Int32
    private let claim: Claim

    private init(url: URL, descriptor: Int32, claim: Claim) {
        self.url = url
        self.descriptor = descriptor
        self.claim = claim
    }

    deinit { release() }

    /// Whether the file at `<folder>/.lock` is still the one this lock holds: false once the
    /// folder or its `.lock` was deleted, moved or replaced (its writer must stop writing there:
    /// the path may be another writer's now). A released lock guards nothing and says true.
    public var isStillAtItsPath: Bool { descriptor < 0 || claim.isCurrent }

    /// A lock file as it was taken: its path, device and inode.
    public struct Claim: Sendable {
        /// The lock file (`<folder>/.lock`).
        public let url: URL
        let device: UInt64, inode: UInt64
        /// The path as C characters, so `isCurrent` allocates nothing (the trainer asks at every batch).
        private let cPath: [CChar]

        init(url: URL, device: UInt64, inode: UInt64) {
            self.url = url
            self.device = device
            self.inode = inode
            cPath = Array(url.path.utf8CString)
        }

        /// The folder the lock guards.
        public var directory: URL { url.deletingLastPathComponent() }

        /// Whether the file at the path is still the one taken (a fresh `stat` of the path against
        /// the device and inode of the locked descriptor).
        public var isCurrent: Bool {
            var now = stat()
            // Only a missing path means gone; a passing error (ESTALE, EIO, EACCES on a network
            // file system) must not stop a healthy run.
            guard stat(cPath, &now) == 0 else { return errno != ENOENT && errno != ENOTDIR }
            return UInt64(now.st_dev) == device && UInt64(now.st_ino) == inode
        }
    }

    /// The claims of the locks this process holds on `url`'s folder or any folder above it (a
    /// lottery level inside its lottery).
    public static func claims(over url: URL) -> [Claim] {
        let path = url.standardizedFileURL.path
        return registry.all().filter { path.hasPrefix($0.directory.standardizedFileURL.path + "/") }
    }

    /// Takes the lock of `directory` (which must exist) for this process, recording `holder`
    /// (e.g. the command line) beside the pid; throws `.locked` with the holder's pid when a live
    /// process has it.
    public static func acquire(_ directory: URL, holder: String) throws(RunError) -> FolderLock {
        let url = directory.appendingPathComponent(fileName)
        let fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw .output(path: url.path, message: "cannot open the lock file: \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(fd)
            if code == EAGAIN { throw .locked(path: directory.path, holder: Holder.read(url)) }
            throw .output(path: url.path, message: "cannot lock: \(String(cString: strerror(code)))")
        }
        // Ours now: replace whatever a dead holder left with our own pid and command.
        let text = "pid \(getpid())\ncommand \(holder)\n"
        _ = ftruncate(fd, 0)
        _ = text.withCString { pwrite(fd, $0, strlen($0), 0) }
        var status = stat()
        guard fstat(fd, &status) == 0 else {
            let code = errno
            close(fd)
            throw .output(path: url.path, message: "cannot read the lock file's identity: \(String(cString: strerror(code)))")
        }
        let lock = FolderLock(url: url, descriptor: fd, claim: Claim(url: url, device: UInt64(status.st_dev), inode: UInt64(status.st_ino)))
        registry.add(lock.claim, for: ObjectIdentifier(lock))
        return lock
    }

    /// The live holder of `directory`'s lock, nil when nobody holds it (or there is no lock
    /// file). Takes and drops the lock to find out, so it never waits.
    public static func holder(of directory: URL) -> Holder? {
        let url = directory.appendingPathComponent(fileName)
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            _ = flock(fd, LOCK_UN)
            return nil
        }
        return Holder.read(url)
    }

    /// Drops the lock (the file stays: it is harmless once unlocked).
    public func release() {
        guard descriptor >= 0 else { return }
        Self.registry.remove(ObjectIdentifier(self))
        close(descriptor)
        descriptor = -1
    }

    /// The locks this process holds (registered when taken, removed when released).
    private static let registry = Registry()

    private final class Registry: @unchecked Sendable {
        private let mutex = NSLock()
        private var claims: [ObjectIdentifier: Claim] = [:]

        func add(_ claim: Claim, for lock: ObjectIdentifier) {
            mutex.lock(); defer { mutex.unlock() }
            claims[lock] = claim
        }

        func remove(_ lock: ObjectIdentifier) {
            mutex.lock(); defer { mutex.unlock() }
            claims[lock] = nil
        }

        func all() -> [Claim] {
            mutex.lock(); defer { mutex.unlock() }
            return Array(claims.values)
        }
    }

    /// Who holds a lock, as its file says.
    public struct Holder: Sendable, CustomStringConvertible {
        /// nil when the holder has not written its pid yet (it took the lock an instant ago).
        public var pid: Int32?
        public var command: String?

        static func read(_ url: URL) -> Holder {
            let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
            var h = Holder()
            for line in text.split(separator: "\n") {
                if line.hasPrefix("pid ") { h.pid = Int32(line.dropFirst(4)) }
                if line.hasPrefix("command ") { h.command = String(line.dropFirst(8)) }
            }
            return h
        }

        public var description: String {
            guard let pid else { return "another process (its pid is not written yet; try again in a moment)" }
            return "process \(pid)" + (command.map { " (\($0))" } ?? "") + "; check it with `ps -p \(pid) -o pid,etime,args`"
        }
    }
}
