import Foundation

/// A start line shared by the concurrent copies of `masklab bench --jobs N`: a folder in which
/// each copy, after its warm-up, leaves a `ready-<pid>` file and then waits until `count` such
/// files exist, so that the copies' measured steps run side by side rather than one after another.
///
/// Files rather than signals or shared memory because the copies are separate processes started
/// by the parent and nothing else is shared; polling every millisecond costs nothing against
/// steps of milliseconds to seconds.
public struct BenchBarrier: Sendable {
    /// The folder the copies meet in.
    public let folder: URL
    /// How many copies must arrive before any starts measuring.
    public let count: Int

    public init(folder: URL, count: Int) {
        self.folder = folder
        self.count = count
    }

    /// A new, empty meeting folder under the temporary directory for `count` copies.
    public static func create(count: Int) throws -> BenchBarrier {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("masklab-bench-\(getpid())-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return BenchBarrier(folder: folder, count: count)
    }

    /// The copies that have arrived so far.
    public var arrived: Int {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasPrefix("ready-") }.count
    }

    /// Marks this process as ready and waits until all `count` copies are (or `timeout` seconds
    /// have passed: a copy that died before arriving must not hang the others — the parent
    /// reports it). Returns whether every copy arrived.
    @discardableResult
    public func arriveAndWait(timeout: Double = 600) -> Bool {
        _ = FileManager.default.createFile(atPath: folder.appendingPathComponent("ready-\(getpid())").path, contents: nil)
        let deadline = Date().addingTimeInterval(timeout)
        while arrived < count {
            if Date() > deadline { return false }
            usleep(1000)
        }
        return true
    }

    /// Deletes the folder and everything in it.
    public func remove() {
        try? FileManager.default.removeItem(at: folder)
    }
}
