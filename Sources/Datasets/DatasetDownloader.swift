import Foundation

/// What the downloader is doing, for the command's progress display.
public enum DownloadEvent: Sendable, Equatable {
    /// The file is already in place with the official checksum; nothing to do.
    case alreadyPresent(file: String, md5: String)
    /// Starting to fetch `file` from `source` (a URL or a local path).
    case started(file: String, source: String)
    /// `received` of `total` bytes (total nil when unknown).
    case progress(file: String, received: Int, total: Int?)
    /// The file is in place and its MD5 is the official one.
    case verified(file: String, md5: String)
    /// The file's MD5 is NOT the official one, and it was kept because the caller accepted mismatches.
    /// Show this loudly: the data is not the published data.
    case checksumMismatchAccepted(file: String, expected: String, got: String)
}

/// The outcome for one file of a fetch or install.
public struct FetchedFile: Sendable, Equatable {
    /// Where the file now is.
    public let path: String
    /// Its MD5 and the official one.
    public let md5: String
    public let expectedMD5: String
    /// Where it came from (URL, local path, or "already present").
    public let source: String
    public var matchesOfficial: Bool { md5 == expectedMD5 }
}

/// Fetches the official dataset archives into a data folder and checks their MD5s.
///
/// Sources, by precedence: a local archive or folder (`install(_:from:into:)`), a mirror base URL
/// (`mirror`, http(s):// or a local folder / file:// URL holding the files), else the official
/// URLs (`DatasetSource.official`). Each file is written as `NAME.part` in the data folder (never
/// anywhere else: a `NAME.part` symbolic link is replaced, not followed) and moved into place only
/// once it is checked; on any failure the `.part` file is deleted, so a failed fetch leaves
/// nothing behind. A file larger than `DatasetFile.maxSize` is refused as soon as that is known.
/// A mismatching MD5 throws `checksumMismatch`, unless `acceptChecksumMismatch` is set: then the
/// file must still pass the format check of its reader (an HTML error page or a cut-off archive
/// is refused), and a `.checksumMismatchAccepted` event says it was kept.
public struct DatasetDownloader: Sendable {
    /// Base URL replacing the official one for every file (e.g. "http://mirror.lan/mnist/").
    public var mirror: String?
    /// Keep files whose MD5 differs from the official one (reported by an event) instead of failing.
    public var acceptChecksumMismatch: Bool
    /// Time limits of each download.
    public var limits: DownloadLimits
    /// Receives progress and outcome events (from a background thread during downloads).
    public var events: @Sendable (DownloadEvent) -> Void

    public init(mirror: String? = nil, acceptChecksumMismatch: Bool = false, limits: DownloadLimits = DownloadLimits(),
                events: @escaping @Sendable (DownloadEvent) -> Void = { _ in }) {
        self.mirror = mirror
        self.acceptChecksumMismatch = acceptChecksumMismatch
        self.limits = limits
        self.events = events
    }

    /// Downloads dataset `name`'s files into `root` (created if needed), skipping files already
    /// present with the official MD5. Returns one entry per file.
    public func fetch(_ name: String, into root: URL) throws(DatasetError) -> [FetchedFile] {
        var source = try DatasetSource.official(name)
        if let mirror { source = source.mirrored(at: mirror) }
        try FileIO.makeDirectory(root.path)
        var results: [FetchedFile] = []
        for file in source.files {
            let destination = root.path + "/" + file.name
            if let present = try alreadyPresent(file, at: destination, dataset: name) {
                results.append(present)
                continue
            }
            let location = source.baseURL + file.name
            let writer: FileIO.Writer
            if let local = localPath(location) {
                writer = try copy(file, from: local, to: destination)
            } else {
                guard let url = URL(string: location), url.scheme == "http" || url.scheme == "https" else {
                    throw .download(url: location, message: "not an http(s) URL or an existing local path")
                }
                events(.started(file: file.name, source: location))
                writer = try FileIO.Writer(path: destination)
                let name = file.name, events = events
                do {
                    try HTTPDownload.fetch(url, into: writer, limits: limits, maxBytes: file.maxSize) { received, total in
                        events(.progress(file: name, received: received, total: total))
                    }
                } catch {
                    writer.discard()
                    throw error
                }
            }
            results.append(try verifyAndPlace(file, writer: writer, source: location, dataset: name))
        }
        return results
    }

    /// Installs dataset `name` from a local copy: the archive itself (CIFAR-10), or a folder
    /// holding the official files. Copies into `root` (unless already there) and checks MD5s.
    public func install(_ name: String, from local: URL, into root: URL) throws(DatasetError) -> [FetchedFile] {
        let source = try DatasetSource.official(name)
        let path = local.path
        guard FileIO.exists(path) else {
            throw .missing(path: path, hint: "The local archive or folder given does not exist.")
        }
        try FileIO.makeDirectory(root.path)
        var results: [FetchedFile] = []
        for file in source.files {
            let from: String
            if FileIO.exists(path, directory: true) {
                from = path + "/" + file.name
                guard FileIO.exists(from, directory: false) else {
                    // A folder the reader loads as it is (extracted files) needs no fetch: say so only then.
                    let readable = (try? DatasetRegistry.definition(name).load(root: path)) != nil
                    throw .missing(path: from, hint: "The folder lacks \(file.name); \(name) needs "
                                   + source.files.map(\.name).joined(separator: ", ") + "."
                                   + (readable ? " The readers take this folder as it is, so it needs no fetch: give it to train and eval with --data \(path)." : ""))
                }
            } else {
                guard source.files.count == 1 || (path as NSString).lastPathComponent == file.name else {
                    throw .missing(path: path, hint: "\(name) has several files; pass the folder holding "
                                   + source.files.map(\.name).joined(separator: ", ") + ".")
                }
                from = path
            }
            let destination = root.path + "/" + file.name
            if samePath(from, destination) {
                results.append(try verifyInPlace(file, path: destination, dataset: name))
                continue
            }
            let writer = try copy(file, from: from, to: destination)
            results.append(try verifyAndPlace(file, writer: writer, source: from, dataset: name))
        }
        return results
    }

    // MARK: - Steps

    /// The result for a file already in place with an acceptable MD5, or nil if it must be fetched.
    private func alreadyPresent(_ file: DatasetFile, at path: String, dataset: String) throws(DatasetError) -> FetchedFile? {
        guard FileIO.exists(path, directory: false) else { return nil }
        let md5 = try MD5.hex(file: path)
        if md5 == file.md5 {
            events(.alreadyPresent(file: file.name, md5: md5))
        } else if acceptChecksumMismatch, (try? Self.checkFormat(file, path: path, dataset: dataset)) != nil {
            events(.checksumMismatchAccepted(file: file.name, expected: file.md5, got: md5))
        } else {
            return nil   // damaged or unofficial: fetch again
        }
        return FetchedFile(path: path, md5: md5, expectedMD5: file.md5, source: "already present")
    }

    /// Checks the written `NAME.part` and moves it into place; on any failure the writer is
    /// discarded, which deletes the partial file.
    private func verifyAndPlace(_ file: DatasetFile, writer: FileIO.Writer, source: String,
                                dataset: String) throws(DatasetError) -> FetchedFile {
        do {
            try writer.closeFile()
            let md5 = try MD5.hex(file: writer.partPath)
            try accept(file, md5: md5, path: writer.partPath, source: source, dataset: dataset)
            try writer.finish()
            return FetchedFile(path: writer.path, md5: md5, expectedMD5: file.md5, source: source)
        } catch {
            writer.discard()
            throw error
        }
    }

    /// Checks a file that is already where it belongs.
    private func verifyInPlace(_ file: DatasetFile, path: String, dataset: String) throws(DatasetError) -> FetchedFile {
        let md5 = try MD5.hex(file: path)
        try accept(file, md5: md5, path: path, source: path, dataset: dataset)
        return FetchedFile(path: path, md5: md5, expectedMD5: file.md5, source: path)
    }

    /// Accepts a file with the official MD5; one with another MD5 only when mismatches are
    /// accepted and it passes its format check. Reports the outcome as an event.
    private func accept(_ file: DatasetFile, md5: String, path: String, source: String, dataset: String) throws(DatasetError) {
        if md5 == file.md5 {
            events(.verified(file: file.name, md5: md5))
            return
        }
        guard acceptChecksumMismatch else { throw .checksumMismatch(path: source, expected: file.md5, got: md5) }
        try Self.checkFormat(file, path: path, dataset: dataset)
        events(.checksumMismatchAccepted(file: file.name, expected: file.md5, got: md5))
    }

    /// Reads `path` (a copy of the official `file`) with its dataset's reader, every check applied.
    static func checkFormat(_ file: DatasetFile, path: String, dataset: String) throws(DatasetError) {
        try DatasetRegistry.definition(dataset).checkFormat(file, path: path)
    }

    /// Copies a local file to `destination.part` (refusing one larger than `file.maxSize`),
    /// reporting progress. Returns the writer holding it, closed, for `verifyAndPlace`.
    private func copy(_ file: DatasetFile, from source: String, to destination: String) throws(DatasetError) -> FileIO.Writer {
        guard FileIO.exists(source, directory: false) else {
            throw .missing(path: source, hint: "The mirror folder lacks \(file.name).")
        }
        events(.started(file: file.name, source: source))
        let total = try FileIO.size(source)
        guard total <= file.maxSize else {
            throw .sizeOutOfRange(path: source, offset: 0, field: "file size in bytes", limit: file.maxSize, got: total)
        }
        let writer = try FileIO.Writer(path: destination)
        var copied = 0
        do {
            try FileIO.forEachChunk(source, chunkSize: 4 << 20) { chunk throws(DatasetError) in
                copied += chunk.count
                guard copied <= file.maxSize else {
                    throw .tooLong(path: source, offset: file.maxSize, what: "file (it grew while copied)", limit: file.maxSize)
                }
                try writer.write(UnsafeRawBufferPointer(chunk))
                events(.progress(file: file.name, received: copied, total: total))
            }
        } catch {
            writer.discard()
            throw error
        }
        return writer
    }

    /// A local path for a mirror location that is a file:// URL or a path without a scheme.
    private func localPath(_ location: String) -> String? {
        if location.hasPrefix("file://") { return URL(string: location)?.path }
        if location.contains("://") { return nil }
        return location
    }

    private func samePath(_ a: String, _ b: String) -> Bool {
        URL(fileURLWithPath: a).standardizedFileURL.resolvingSymlinksInPath().path
            == URL(fileURLWithPath: b).standardizedFileURL.resolvingSymlinksInPath().path
    }
}
