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
/// URLs (`DatasetSource.official`). Each file is written as `NAME.part` and moved into place
/// only once its MD5 is checked; a mismatch throws `checksumMismatch` and leaves nothing behind,
/// unless `acceptChecksumMismatch` is set, in which case the file is kept and a
/// `.checksumMismatchAccepted` event says so.
public struct DatasetDownloader: Sendable {
    /// Base URL replacing the official one for every file (e.g. "http://mirror.lan/mnist/").
    public var mirror: String?
    /// Keep files whose MD5 differs from the official one (reported by an event) instead of failing.
    public var acceptChecksumMismatch: Bool
    /// Seconds without data before a download fails.
    public var timeout: Double
    /// Receives progress and outcome events (from a background thread during downloads).
    public var events: @Sendable (DownloadEvent) -> Void

    public init(mirror: String? = nil, acceptChecksumMismatch: Bool = false, timeout: Double = 60,
                events: @escaping @Sendable (DownloadEvent) -> Void = { _ in }) {
        self.mirror = mirror
        self.acceptChecksumMismatch = acceptChecksumMismatch
        self.timeout = timeout
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
            if let present = try alreadyPresent(file, at: destination) {
                results.append(present)
                continue
            }
            let location = source.baseURL + file.name
            if let local = localPath(location) {
                try copy(from: local, to: destination)
            } else {
                guard let url = URL(string: location), url.scheme == "http" || url.scheme == "https" else {
                    throw .download(url: location, message: "not an http(s) URL or an existing local path")
                }
                events(.started(file: file.name, source: location))
                let name = file.name, events = events
                try HTTPDownload.fetch(url, to: destination + ".part", timeout: timeout) { received, total in
                    events(.progress(file: name, received: received, total: total))
                }
            }
            results.append(try verifyAndPlace(file, destination: destination, source: location))
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
                    throw .missing(path: from, hint: "The folder lacks \(file.name); \(name) needs "
                                   + source.files.map(\.name).joined(separator: ", ") + ".")
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
                results.append(try verifyInPlace(file, path: destination))
                continue
            }
            try copy(from: from, to: destination)
            results.append(try verifyAndPlace(file, destination: destination, source: from))
        }
        return results
    }

    // MARK: - Steps

    /// The result for a file already in place with an acceptable MD5, or nil if it must be fetched.
    private func alreadyPresent(_ file: DatasetFile, at path: String) throws(DatasetError) -> FetchedFile? {
        guard FileIO.exists(path, directory: false) else { return nil }
        let md5 = try MD5.hex(file: path)
        if md5 == file.md5 {
            events(.alreadyPresent(file: file.name, md5: md5))
        } else if acceptChecksumMismatch {
            events(.checksumMismatchAccepted(file: file.name, expected: file.md5, got: md5))
        } else {
            return nil   // damaged or unofficial: fetch again
        }
        return FetchedFile(path: path, md5: md5, expectedMD5: file.md5, source: "already present")
    }

    /// Checks `destination.part` and moves it into place, or deletes it and throws.
    private func verifyAndPlace(_ file: DatasetFile, destination: String, source: String) throws(DatasetError) -> FetchedFile {
        let part = destination + ".part"
        let md5: String
        do { md5 = try MD5.hex(file: part) } catch {
            unlink(part)
            throw error
        }
        if md5 != file.md5 {
            guard acceptChecksumMismatch else {
                unlink(part)
                throw .checksumMismatch(path: source, expected: file.md5, got: md5)
            }
            events(.checksumMismatchAccepted(file: file.name, expected: file.md5, got: md5))
        } else {
            events(.verified(file: file.name, md5: md5))
        }
        guard rename(part, destination) == 0 else {
            throw .io(path: destination, message: "cannot rename from \(part): \(String(cString: strerror(errno)))")
        }
        return FetchedFile(path: destination, md5: md5, expectedMD5: file.md5, source: source)
    }

    /// Checks a file that is already where it belongs.
    private func verifyInPlace(_ file: DatasetFile, path: String) throws(DatasetError) -> FetchedFile {
        let md5 = try MD5.hex(file: path)
        if md5 != file.md5 {
            guard acceptChecksumMismatch else { throw .checksumMismatch(path: path, expected: file.md5, got: md5) }
            events(.checksumMismatchAccepted(file: file.name, expected: file.md5, got: md5))
        } else {
            events(.verified(file: file.name, md5: md5))
        }
        return FetchedFile(path: path, md5: md5, expectedMD5: file.md5, source: path)
    }

    /// Copies a local file to `destination.part`, reporting progress.
    private func copy(from source: String, to destination: String) throws(DatasetError) {
        let name = (destination as NSString).lastPathComponent
        guard FileIO.exists(source, directory: false) else {
            throw .missing(path: source, hint: "The mirror folder lacks \(name).")
        }
        events(.started(file: name, source: source))
        let total = try FileIO.size(source)
        let writer = try FileIO.Writer(path: destination + ".part")
        var copied = 0
        try FileIO.forEachChunk(source, chunkSize: 4 << 20) { chunk throws(DatasetError) in
            try writer.write(UnsafeRawBufferPointer(chunk))
            copied += chunk.count
            events(.progress(file: name, received: copied, total: total))
        }
        try writer.finish()   // lands as destination.part, checked by the caller
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
