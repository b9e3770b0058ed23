import Foundation

/// The temporary folders this process is working in (a lottery level trained again, a study's
/// child configs, a reproduction), so that a command that exits at once — a second Ctrl-C — can
/// remove them first. A folder is registered when it is named and forgotten once it is gone.
public enum TemporaryFolders {
    private final class Registry: @unchecked Sendable {
        let mutex = NSLock()
        var folders: Set<URL> = []
    }
    private static let registry = Registry()

    /// A new folder name in `$TMPDIR` (`prefix-PID-XXXXXXXX`), registered; the folder itself is
    /// created by whoever writes into it.
    public static func make(prefix: String) -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(prefix)-\(getpid())-\(UUID().uuidString.prefix(8))", isDirectory: true)
        register(url)
        return url
    }

    /// Registers a folder made elsewhere (for example a command's own temporary output).
    public static func register(_ url: URL) {
        registry.mutex.lock()
        registry.folders.insert(url.standardizedFileURL)
        registry.mutex.unlock()
    }

    /// Removes `url` with its contents (if it exists) and forgets it once it is gone (a removal
    /// that failed, e.g. while another thread still writes into it, is tried again by `removeAll`).
    public static func remove(_ url: URL) {
        try? FileManager.default.removeItem(at: url)
        guard !FileManager.default.fileExists(atPath: url.path) else { return }
        registry.mutex.lock()
        registry.folders.remove(url.standardizedFileURL)
        registry.mutex.unlock()
    }

    /// The folders registered and not yet removed, sorted by path.
    public static var registered: [URL] {
        registry.mutex.lock()
        defer { registry.mutex.unlock() }
        return registry.folders.sorted { $0.path < $1.path }
    }

    /// Removes every registered folder (before the process exits at once), trying once more
    /// where the first removal failed.
    public static func removeAll() {
        for url in registered { remove(url) }
        for url in registered { remove(url) }
    }
}
