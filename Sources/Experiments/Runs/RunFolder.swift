import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Training

/// An output folder held by its one writer: every command that writes results (`train`,
/// `lottery` and its levels, `compare`, `interpolate`, `importance`) goes through here, so each
/// promise is kept in one place:
///
/// - **validated first**: callers open the folder only after the config, data and model were
///   checked, so a refused command creates no folder and changes no file;
/// - **one writer**: the folder's `FolderLock` is taken before anything in it is written and
///   held for the writer's life; a second writer fails at once with the holder's pid;
/// - **no silent overwrite**: a folder that already holds results is refused unless the
///   caller resumes it (the saved config must match) or was told to overwrite it;
/// - **its own kind only**: a folder another command writes (`FolderOwner.writer(of:)`: a train
///   run, a lottery, a comparison, a pruning mask, …) is refused whatever the flags, so e.g.
///   `lottery --out RUN` cannot turn a finished train run into a folder `train` then refuses;
/// - **atomic files**: every file is written to `.<name>.<pid>.tmp` and renamed; a write that
///   fails removes its temporary file, and those of dead writers (a killed checkpoint write) are
///   removed when the lock is taken;
/// - **still ours**: before each write the folder's `.lock` at its path must still be the file
///   this process locked (`FolderLock.isStillAtItsPath`); a folder deleted or replaced under a
///   live writer (`rm -rf` and a new run at the same path) stops that writer with
///   `.folderReplaced` instead of letting two processes write one folder. The trainer asks the
///   same through `trainerCheck` before its checkpoints, metrics and callbacks.
public final class RunFolder: @unchecked Sendable {
    /// What to do with a folder that already holds results.
    public enum Reuse: Sendable, Equatable {
        /// Refuse to touch it (the default of `train`, `interpolate`, `importance`).
        case refuse
        /// Continue what is there (`train --resume`, `lottery`, `compare`); the caller's
        /// `verify` checks that it is the same job.
        case resume
        /// Delete the results first (`--overwrite`).
        case overwrite
    }

    public let directory: URL
    /// The command line that writes the folder, as recorded in `command.txt` and `.lock`.
    public let commandLine: String
    private let lock: FolderLock

    private init(directory: URL, commandLine: String, lock: FolderLock) {
        self.directory = directory
        self.commandLine = commandLine
        self.lock = lock
    }

    /// Takes `directory` for writing: creates it, takes its lock, removes temporary files of
    /// dead writers, then looks for `results` (file names). When some exist: `.refuse` throws
    /// `.existingResults` (saying what the folder `holds` and the `choices` to go on), `.resume`
    /// calls `verify` (which throws when the folder holds another job), `.overwrite` deletes them.
    ///
    /// The same checks run once before anything is touched, so a refused command leaves an
    /// existing folder byte-identical (its `.lock` included); they run again under the lock.
    ///
    /// `writer` is the `masklab` subcommand that writes the folder ("lottery", "prune", …): a
    /// folder that another command writes is refused with `.foreignFolder` (nil: not checked).
    public static func open(_ directory: URL, commandLine: [String], results: [String], holds: String, reuse: Reuse,
                            choices: [String], writer: String? = nil,
                            verify: () throws(RunError) -> Void = { () throws(RunError) in }) throws(RunError) -> RunFolder {
        let command = commandText(commandLine)
        try precheck(directory, results: results, holds: holds, reuse: reuse, choices: choices, writer: writer, verify: verify)
        do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw .output(path: directory.path, message: "cannot create the folder: " + creationFailure(directory, error))
        }
        let folder = RunFolder(directory: directory, commandLine: command, lock: try FolderLock.acquire(directory, holder: command))
        folder.removeStaleTemporaryFiles()
        let present = try check(directory, results: results, holds: holds, reuse: reuse, choices: choices, verify: verify)
        if reuse == .overwrite {
            for name in present {
                do { try FileManager.default.removeItem(at: folder.file(name)) } catch {
                    throw .output(path: folder.file(name).path, message: "cannot remove the old result: \(error.localizedDescription)")
                }
            }
        }
        return folder
    }

    /// The checks `open` makes before it touches anything (a live writer's lock, results that
    /// `reuse` does not allow), on their own: a command calls it before it announces work that
    /// `open` would refuse. Changes nothing on disk.
    public static func precheck(_ directory: URL, results: [String], holds: String, reuse: Reuse, choices: [String],
                                writer: String? = nil,
                                verify: () throws(RunError) -> Void = { () throws(RunError) in }) throws(RunError) {
        guard FileManager.default.fileExists(atPath: directory.path) else { return }
        if let holder = FolderLock.holder(of: directory) { throw .locked(path: directory.path, holder: holder) }
        if let writer, let owner = FolderOwner.writer(of: directory), owner.command != writer {
            throw .foreignFolder(path: directory.path, owner: owner.command, evidence: owner.evidence, writer: writer)
        }
        _ = try check(directory, results: results, holds: holds, reuse: reuse, choices: choices, verify: verify)
    }

    /// Which of `results` the folder holds; throws when `reuse` does not allow them (see `open`).
    private static func check(_ directory: URL, results: [String], holds: String, reuse: Reuse, choices: [String],
                              verify: () throws(RunError) -> Void) throws(RunError) -> [String] {
        let present = results.filter { FileManager.default.fileExists(atPath: directory.appendingPathComponent($0).path) }
        guard !present.isEmpty else { return [] }
        switch reuse {
        case .refuse:
            var what = holds
            if results.contains(RunLayout.summaryFile), let status = status(of: RunLayout(directory: directory)) { what += " (status \(status))" }
            throw .existingResults(path: directory.path, holds: what + ": " + present.joined(separator: ", "), choices: choices)
        case .resume:
            try verify()
        case .overwrite:
            break
        }
        return present
    }

    /// Why `directory` could not be created, in words: a path through a file, or the system's reason.
    static func creationFailure(_ directory: URL, _ error: Error) -> String {
        var ancestor = directory.standardizedFileURL
        var child: URL?   // the folder below `ancestor` on the way to `directory`
        while ancestor.path != "/" {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: ancestor.path, isDirectory: &isDirectory) {
                guard isDirectory.boolValue else { return "the path runs through \(ancestor.path), which is a file, not a folder" }
                let reason = describe(error)
                guard reason == error.localizedDescription, let child else { return reason }
                // Foundation gave no POSIX reason (e.g. "The file doesn't exist" under /proc): ask mkdir(2) itself.
                if mkdir(child.path, 0o755) == 0 { rmdir(child.path); return reason }
                return "\(ancestor.path) does not accept a new folder \(child.lastPathComponent) (\(String(cString: strerror(errno))))"
            }
            child = ancestor
            ancestor = ancestor.deletingLastPathComponent()
        }
        return describe(error)
    }

    /// A Foundation error's underlying POSIX reason when it has one ("Permission denied"), else its description.
    static func describe(_ error: Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return error.localizedDescription
    }

    /// Drops the lock before the object goes (it is dropped anyway when the process ends).
    public func close() { lock.release() }

    /// Throws `.folderReplaced` when the folder was deleted or replaced since it was taken (see
    /// `FolderLock.isStillAtItsPath`): from then on this process must not write into it.
    public func checkStillOurs() throws(RunError) {
        guard lock.isStillAtItsPath else { throw .folderReplaced(path: directory.path) }
    }

    /// `checkStillOurs` for the trainer (`Trainer.outputCheck`), which calls it before it, its
    /// callbacks or its hooks write into the folder.
    public var trainerCheck: () throws(TrainingError) -> Void {
        { [lock, directory] () throws(TrainingError) in
            guard lock.isStillAtItsPath else {
                throw .output(path: directory.path, reason: RunError.folderReplaced(path: directory.path).description)
            }
        }
    }

    /// The file `name` in the folder.
    public func file(_ name: String) -> URL { directory.appendingPathComponent(name) }

    // MARK: - Writing

    /// Writes `text` to `name` atomically.
    public func write(_ text: String, to name: String) throws(RunError) {
        try Self.writeAtomically(Data(text.utf8), to: file(name))
    }

    /// Writes `value` as pretty, key-sorted JSON to `name` atomically.
    public func writeJSON<T: Encodable>(_ value: T, to name: String, nonFiniteAsStrings: Bool = false) throws(RunError) {
        try write(Self.encodeJSON(value, path: file(name).path, nonFiniteAsStrings: nonFiniteAsStrings), to: name)
    }

    /// `value` as pretty, key-sorted JSON (as `config.json` is written); throws for values JSON
    /// cannot hold (NaN, ∞), so a caller can check it before touching the folder — unless
    /// `nonFiniteAsStrings`, where they are written as "NaN", "Infinity", "-Infinity" (measured
    /// values that may legitimately be so, e.g. a diverged point of an interpolation).
    public static func encodeJSON<T: Encodable>(_ value: T, path: String, nonFiniteAsStrings: Bool = false) throws(RunError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        if nonFiniteAsStrings {
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        }
        do { return String(decoding: try encoder.encode(value), as: UTF8.self) } catch {
            throw .output(path: path, message: "cannot encode as JSON (a setting is NaN or infinite?): \(error)")
        }
    }

    /// `command.txt`: the command line and the working directory it ran in, then `facts` ("key: value" lines, e.g. the data folder),
    /// then where the binary came from (`Provenance`). A folder taken again (a resumed run, a
    /// comparison or lottery run again, perhaps by another binary in a later session) keeps the
    /// earlier invocations below the new one, latest first, each after the line
    /// `RunFolder.earlierInvocation`: the file never credits results to a binary that only
    /// skipped them. An invocation that repeats the latest one (the same lines but the date and
    /// the measured thread timings) is not recorded again.
    public func writeCommand(_ facts: [(key: String, value: String)]) throws(RunError) {
        var text = "command: \(commandLine)\n"
        // Relative paths in the command (`--out runs/a`) are relative to this folder.
        text += "directory: \(FileManager.default.currentDirectoryPath)\n"
        for f in facts { text += "\(f.key): \(f.value)\n" }
        text += Provenance.current().text + "\n"
        if let earlier = try? String(contentsOf: file(RunLayout.commandFile), encoding: .utf8), !earlier.isEmpty {
            if Self.stableLines(Self.latestInvocation(earlier)) == Self.stableLines(text) { return }
            text += "\n" + Self.earlierInvocation + "\n" + earlier
        }
        try write(text, to: RunLayout.commandFile)
    }

    /// The latest invocation of a `command.txt`: its text above the first `earlierInvocation` line.
    public static func latestInvocation(_ commandText: String) -> String {
        guard let r = commandText.range(of: "\n" + earlierInvocation + "\n") else { return commandText }
        return String(commandText[..<r.lowerBound])
    }

    /// The lines of an invocation that identify it: all but the date and the thread timings.
    static func stableLines(_ block: String) -> [Substring] {
        block.split(separator: "\n").filter { !$0.hasPrefix("date:") && !$0.hasPrefix("round trip:") && !$0.hasPrefix("compute speed-up:") }
    }

    /// The line in `command.txt` above each earlier invocation of the folder.
    public static let earlierInvocation = "--- earlier invocation of this folder ---"

    /// Writes `data` to `url` through `.<name>.<pid>.tmp` in the same folder and a rename, so
    /// a reader sees the old file or the new one, never a part; when the write or the rename
    /// fails (a full disk) the temporary file is removed. Refuses (`.folderReplaced`) to write
    /// into a folder this process locked that was deleted or replaced since (`FolderLock.claims`).
    public static func writeAtomically(_ data: Data, to url: URL) throws(RunError) {
        for claim in FolderLock.claims(over: url) where !claim.isCurrent { throw .folderReplaced(path: claim.directory.path) }
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        do {
            try data.write(to: temporary)
            guard rename(temporary.path, url.path) == 0 else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: String(cString: strerror(errno))])
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw .output(path: url.path, message: "cannot write: \(describe(error))")
        }
    }

    /// One shell-readable line for a command line (arguments with spaces quoted).
    public static func commandText(_ arguments: [String]) -> String {
        arguments.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
    }

    // MARK: - Reading

    /// How the run in `layout` ended, from its `summary.json`; nil when it has none (not
    /// finished, or still running) or the file is unreadable.
    public static func status(of layout: RunLayout) -> RunStatus? {
        guard let data = try? Data(contentsOf: layout.summary),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let text = object["status"] as? String else { return nil }
        return RunStatus(rawValue: text)
    }

    // MARK: - Leftovers

    /// Removes `.<name>.<pid>.tmp` files whose writer `pid` is dead (a write killed half-way).
    func removeStaleTemporaryFiles() {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return }
        for name in names where name.hasPrefix(".") && name.hasSuffix(".tmp") {
            let parts = name.dropLast(4).split(separator: ".")
            guard let last = parts.last, let pid = Int32(last), !Self.isAlive(pid) else { continue }
            try? FileManager.default.removeItem(at: file(name))
        }
    }

    /// Whether a process `pid` exists (one we may not signal still counts).
    static func isAlive(_ pid: Int32) -> Bool {
        pid > 0 && (kill(pid, 0) == 0 || errno == EPERM)
    }
}
