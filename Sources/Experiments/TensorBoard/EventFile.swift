import Foundation

/// A run's TensorBoard event file, `events.out.tfevents.<unix time>.<host>` in the run folder:
/// TFRecord-framed `Event` messages (`TensorBoardEvent`), each written with one `write` call
/// as it happens, so TensorBoard shows a run while it trains.
///
/// Resume keeps one file per run: `resume(in:at:)` rewrites the folder's newest event file
/// (atomically) with only the events that precede the checkpoint (`precedesCheckpoint(at:)`)
/// and appends after them, so TensorBoard never sees a step twice. A torn last record (a write
/// killed half-way) is dropped then too; older event files of the folder are removed.
public final class EventFile {
    public static let namePrefix = "events.out.tfevents."
    public let url: URL
    /// Whether the file was created by this writer (false: a resumed run's file).
    public let isNew: Bool
    private let handle: FileHandle

    private init(url: URL, isNew: Bool, handle: FileHandle) {
        self.url = url
        self.isNew = isNew
        self.handle = handle
    }

    deinit { try? handle.close() }

    /// The event files in `directory`, oldest first (names carry the creation time).
    public static func files(in directory: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasPrefix(namePrefix) }.sorted { timeOf($0) < timeOf($1) || (timeOf($0) == timeOf($1) && $0 < $1) }
            .map { directory.appendingPathComponent($0) }
    }

    private static func timeOf(_ name: String) -> Int {
        Int(name.dropFirst(namePrefix.count).prefix { $0 != "." }) ?? 0
    }

    /// A new event file for a fresh run: removes the folder's old event files, then writes the
    /// file-version record.
    public static func create(in directory: URL, wallTime: Double) throws(EventFileError) -> EventFile {
        for old in files(in: directory) { try remove(old) }
        let url = directory.appendingPathComponent(namePrefix + "\(Int(wallTime)).\(hostName())")
        let file = try open(url, contents: [])
        try file.append(TensorBoardEvent(wallTime: wallTime, step: 0, content: .fileVersion(TensorBoardEvent.fileVersion)))
        return file
    }

    /// The event file of a run resumed from a checkpoint at `position` iterations: the newest
    /// file, rewritten without the events after the checkpoint; a new file when there is none.
    public static func resume(in directory: URL, at position: Int, wallTime: Double) throws(EventFileError) -> EventFile {
        let existing = files(in: directory)
        guard let newest = existing.last else { return try create(in: directory, wallTime: wallTime) }
        for old in existing.dropLast() { try remove(old) }
        let bytes = try read(newest)
        var kept: [UInt8] = []
        for record in TFRecord.validPrefix(bytes, path: newest.path).records {
            guard let event = try? TensorBoardEvent(parsing: record.data), event.precedesCheckpoint(at: position) else { continue }
            kept += TFRecord.frame(record.data)
        }
        do { try Data(kept).write(to: newest, options: .atomic) } catch {
            throw .io(path: newest.path, message: "cannot rewrite the event file: \(error.localizedDescription)")
        }
        return try open(newest, contents: nil)
    }

    /// Appends `event` as one record.
    public func append(_ event: TensorBoardEvent) throws(EventFileError) {
        do { try handle.write(contentsOf: TFRecord.frame(event.serialized())) } catch {
            throw .io(path: url.path, message: "cannot write: \(error.localizedDescription)")
        }
    }

    /// Every event of the file at `url`, checksums verified.
    public static func events(at url: URL) throws(EventFileError) -> [TensorBoardEvent] {
        var events: [TensorBoardEvent] = []
        for record in try TFRecord.records(try read(url), path: url.path) {
            do { events.append(try TensorBoardEvent(parsing: record.data)) } catch {
                throw .malformed(path: url.path, offset: record.offset, reason: error.description)
            }
        }
        return events
    }

    // MARK: - Files

    /// Opens `url` for appending; `contents` non-nil creates (or empties) it first.
    private static func open(_ url: URL, contents: [UInt8]?) throws(EventFileError) -> EventFile {
        if let contents {
            guard FileManager.default.createFile(atPath: url.path, contents: Data(contents)) else {
                throw .io(path: url.path, message: "cannot create the event file")
            }
        }
        do {
            let handle = try FileHandle(forWritingTo: url)
            try handle.seekToEnd()
            return EventFile(url: url, isNew: contents != nil, handle: handle)
        } catch {
            throw .io(path: url.path, message: "cannot open for appending: \(error.localizedDescription)")
        }
    }

    private static func read(_ url: URL) throws(EventFileError) -> [UInt8] {
        do { return [UInt8](try Data(contentsOf: url)) } catch {
            throw .io(path: url.path, message: "cannot read: \(error.localizedDescription)")
        }
    }

    private static func remove(_ url: URL) throws(EventFileError) {
        do { try FileManager.default.removeItem(at: url) } catch {
            throw .io(path: url.path, message: "cannot remove the old event file: \(error.localizedDescription)")
        }
    }

    /// The host name, as TensorBoard's own writers end the file name with it.
    private static func hostName() -> String {
        let host = ProcessInfo.processInfo.hostName
        return host.isEmpty ? "localhost" : host
    }
}

extension TensorBoardEvent {
    /// Whether this event was written before a checkpoint taken after `position` iterations,
    /// i.e. belongs to the part of the run a resume keeps. Scalars and parameter histograms at
    /// step `position` came before the checkpoint (it is saved after the step's and the epoch's
    /// callbacks); an importance refresh measured at `position` happens at the start of the
    /// next step, after the checkpoint, and is redone by the resumed run; a session end belongs
    /// to the segment that ended.
    public func precedesCheckpoint(at position: Int) -> Bool {
        switch content {
        case .fileVersion, .sessionStart: return true
        case .scalar: return step <= position
        case let .histogram(tag, _): return tag.hasPrefix(TensorBoardLogger.importancePrefix) ? step < position : step <= position
        case .sessionEnd: return false
        }
    }
}
