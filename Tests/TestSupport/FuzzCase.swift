import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One valid input of a fuzz corpus: the file that is mutated, where it goes, and the valid
/// files that go beside it.
public struct FuzzSeed {
    /// Path of the mutated file inside the case's folder (e.g. "train-images-idx3-ubyte.gz").
    public var file: String
    /// The valid content, before mutation (and before `FuzzCorpus.encode`).
    public var bytes: [UInt8]
    /// Header fields to attack with boundary values.
    public var fields: [FuzzField]
    /// Unmutated files written beside it (path in the folder → content).
    public var companions: [String: [UInt8]]

    public init(file: String, bytes: [UInt8], fields: [FuzzField] = [], companions: [String: [UInt8]] = [:]) {
        self.file = file
        self.bytes = bytes
        self.fields = fields
        self.companions = companions
    }
}

/// A kind of input the fuzz suite attacks.
///
/// To add one (say, safetensors checkpoints or JSON configs), write a `FuzzCorpus` with its
/// valid seeds, the in-process reader to call (`load`, which throws to refuse) and optionally the
/// `masklab` commands that read it, then one test method calling `FuzzCase.check` (see
/// `Tests/FuzzTests/DataFuzzTests.swift` for the data corpora):
///
///     func testCheckpoints() {
///         let seed = FuzzSeed(file: "run/last.safetensors", bytes: validCheckpoint(),
///                             fields: [FuzzField(offset: 0, width: 8)])   // the header length
///         FuzzCase.check(FuzzCorpus(name: "checkpoint", seeds: [seed],
///             load: { folder in _ = try Checkpoint.load(folder.appendingPathComponent("run/last.safetensors").path) },
///             commands: [{ folder in ["eval", folder.appendingPathComponent("run").path] }])) { XCTFail($0) }
///     }
///
/// `scripts/fuzz` picks the new test up by itself (it runs every test of `FuzzTests`).
public struct FuzzCorpus {
    public var name: String
    /// Valid inputs; case `i` mutates seed `i % seeds.count`.
    public var seeds: [FuzzSeed]
    /// Turns mutated bytes into the file's content (e.g. gzips a mutated tar, after repairing
    /// header checksums now and then so that deeper fields are reached). Default: unchanged.
    public var encode: (_ mutated: [UInt8], _ rng: inout FuzzRandom) -> [UInt8]
    /// Reads the case's folder in process; throwing means the input was refused.
    public var load: (_ folder: URL) throws -> Void
    /// `masklab` arguments reading the case's folder; case `i` runs command `i / commandEvery`
    /// (cycling), when `i` is a multiple of `commandEvery`.
    public var commands: [(_ folder: URL) -> [String]]
    /// Whether a command must refuse exactly what `load` refuses (exit ≠ 0 ⇔ `load` threw).
    public var commandsAgreeWithLoad: Bool

    public init(name: String, seeds: [FuzzSeed],
                encode: @escaping (_ mutated: [UInt8], _ rng: inout FuzzRandom) -> [UInt8] = { bytes, _ in bytes },
                load: @escaping (_ folder: URL) throws -> Void,
                commands: [(_ folder: URL) -> [String]] = [], commandsAgreeWithLoad: Bool = true) {
        self.name = name
        self.seeds = seeds
        self.encode = encode
        self.load = load
        self.commands = commands
        self.commandsAgreeWithLoad = commandsAgreeWithLoad
    }
}

/// How much fuzzing to do, from the environment (so that `scripts/fuzz` runs the same tests longer).
///
/// `MASKLAB_FUZZ_SEED` (default 12: CI runs the same cases every time), `MASKLAB_FUZZ_SECONDS`
/// (time budget per corpus, default 6), `MASKLAB_FUZZ_CASES` (cases per corpus at most, default 100),
/// `MASKLAB_FUZZ_COMMAND_EVERY` (run the binary on every n-th case, default 3),
/// `MASKLAB_FUZZ_CASE` (run only that case: to reproduce a failure).
public struct FuzzSettings {
    public var seed: UInt64 = 12
    public var seconds: Double = 6
    public var maxCases = 100
    public var commandEvery = 3
    public var onlyCase: Int?
    /// Seconds a `masklab` child may run before it counts as hung.
    public var commandTimeout: Double = 20

    public static func fromEnvironment() -> FuzzSettings {
        let env = ProcessInfo.processInfo.environment
        var s = FuzzSettings()
        if let v = env["MASKLAB_FUZZ_SEED"].flatMap(UInt64.init) { s.seed = v }
        if let v = env["MASKLAB_FUZZ_SECONDS"].flatMap(Double.init) { s.seconds = v }
        if let v = env["MASKLAB_FUZZ_CASES"].flatMap(Int.init) { s.maxCases = v }
        if let v = env["MASKLAB_FUZZ_COMMAND_EVERY"].flatMap(Int.init), v > 0 { s.commandEvery = v }
        if let v = env["MASKLAB_FUZZ_CASE"].flatMap(Int.init) { s.onlyCase = v }
        return s
    }
}

/// What a corpus run found.
public struct FuzzSummary: CustomStringConvertible {
    public let corpus: String
    public let seed: UInt64
    public var cases = 0, accepted = 0, refused = 0, commands = 0
    public var failures: [String] = []
    public var seconds = 0.0
    /// One line `scripts/fuzz` collects: "fuzz-summary corpus=… cases=… failures=…".
    public var description: String {
        "fuzz-summary corpus=\(corpus) seed=\(seed) cases=\(cases) accepted=\(accepted) refused=\(refused) "
            + "commands=\(commands) failures=\(failures.count) seconds=\(String(format: "%.1f", seconds))"
    }
}

/// Runs a corpus: mutated inputs fed to the in-process reader and to the `masklab` binary.
///
/// A case fails when the child process dies of a signal (a trap, an abort, a crash) or runs past
/// its time limit, when a refused input left a new or changed file in its folder (names, sizes,
/// modification times and contents are compared), when a refusal does not name the file, or when
/// the binary and the reader disagree about accepting it. A crash of the reader itself ends the
/// test process: the case in progress is always written to `breadcrumb` first, so it reproduces.
public enum FuzzCase {
    /// The file naming the case in progress.
    public static var breadcrumb: URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("masklab-fuzz-current-case.txt")
    }

    /// Runs `corpus` under `settings` and returns what happened (failures are not asserted here).
    public static func run(_ corpus: FuzzCorpus, settings: FuzzSettings = .fromEnvironment()) -> FuzzSummary {
        var summary = FuzzSummary(corpus: corpus.name, seed: settings.seed)
        let start = Date()
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("masklab-fuzz-\(corpus.name)-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        let indices = settings.onlyCase.map { $0..<($0 + 1) } ?? 0..<max(0, settings.maxCases)
        for index in indices {
            if settings.onlyCase == nil && Date().timeIntervalSince(start) > settings.seconds { break }
            var rng = FuzzRandom(seed: settings.seed, corpus: corpus.name, index: index)
            let seed = corpus.seeds[index % corpus.seeds.count]
            let (mutated, mutation) = FuzzMutator.mutate(seed.bytes, fields: seed.fields, rng: &rng)
            let content = corpus.encode(mutated, &rng)
            let label = "fuzz \(corpus.name) case \(index) (MASKLAB_FUZZ_SEED=\(settings.seed) MASKLAB_FUZZ_CASE=\(index)): "
                + "\(seed.file): \(mutation)"
            try? Data((label + "\n").utf8).write(to: breadcrumb)
            let folder = work.appendingPathComponent("case-\(index)")
            do {
                try write(seed.companions.merging([seed.file: content]) { _, new in new }, into: folder)
            } catch {
                summary.failures.append("\(label): cannot write the case: \(error)")
                continue
            }
            summary.cases += 1
            let problems = check(corpus, folder: folder, index: index, settings: settings, summary: &summary, workFolder: work)
            for p in problems { summary.failures.append("\(label): \(p)") }
            try? FileManager.default.removeItem(at: folder)
        }
        summary.seconds = Date().timeIntervalSince(start)
        return summary
    }

    /// Runs `corpus`, prints its summary line and every failure, and fails the calling test on any.
    public static func check(_ corpus: FuzzCorpus, settings: FuzzSettings = .fromEnvironment(),
                             fail: (String) -> Void) {
        let summary = run(corpus, settings: settings)
        print(summary)
        for f in summary.failures.prefix(20) { print("FUZZ FAILURE \(f)") }
        if !summary.failures.isEmpty {
            fail("\(summary.failures.count) fuzz failure(s) in \(corpus.name), first: \(summary.failures[0])")
        }
    }

    /// The checks of one case; returns the problems found.
    private static func check(_ corpus: FuzzCorpus, folder: URL, index: Int, settings: FuzzSettings,
                              summary: inout FuzzSummary, workFolder: URL) -> [String] {
        var problems: [String] = []
        let before = FolderSnapshot(folder)
        var accepted = true
        do {
            try corpus.load(folder)
        } catch {
            accepted = false
            let text = String(describing: error)
            if !text.contains(folder.path) { problems.append("the reader's refusal does not name the file: \(text)") }
        }
        if accepted { summary.accepted += 1 } else { summary.refused += 1 }
        let afterLoad = FolderSnapshot(folder)
        if !accepted, let change = before.difference(afterLoad) { problems.append("refused by the reader, yet \(change)") }

        guard !corpus.commands.isEmpty, index % settings.commandEvery == 0 else { return problems }
        let arguments = corpus.commands[(index / settings.commandEvery) % corpus.commands.count](folder)
        summary.commands += 1
        let outcome = ChildProcess.run(arguments, timeout: settings.commandTimeout, log: workFolder.appendingPathComponent("stderr-\(index).txt"))
        let afterCommand = FolderSnapshot(folder)
        let command = "masklab " + arguments.joined(separator: " ")
        switch outcome {
        case let .signal(number, stderr):
            problems.append("`\(command)` died of signal \(number): \(stderr.suffix(600))")
        case .timedOut:
            problems.append("`\(command)` still ran after \(settings.commandTimeout) s")
        case let .exited(status, stderr):
            if status != 0, let change = afterLoad.difference(afterCommand) {
                problems.append("`\(command)` exited \(status), yet \(change)")
            }
            if corpus.commandsAgreeWithLoad && (status == 0) != accepted {
                problems.append("the reader \(accepted ? "accepted" : "refused") it but `\(command)` exited \(status): \(stderr.suffix(400))")
            }
        case let .failedToStart(message):
            problems.append("cannot start `\(command)`: \(message)")
        }
        return problems
    }

    private static func write(_ files: [String: [UInt8]], into folder: URL) throws {
        for (name, bytes) in files {
            let url = folder.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
        }
    }
}

/// Names, sizes, modification times and content hashes of every file under a folder.
public struct FolderSnapshot: Equatable {
    public struct Entry: Equatable {
        let size: Int
        let modified: Double
        let hash: UInt64
        let kind: String
    }
    public let entries: [String: Entry]

    public init(_ folder: URL) {
        var entries: [String: Entry] = [:]
        let fm = FileManager.default
        let base = folder.path
        let names = (try? fm.subpathsOfDirectory(atPath: base)) ?? []
        for name in names {
            let path = base + "/" + name
            var st = stat()
            guard lstat(path, &st) == 0 else { continue }
            let isFile = (st.st_mode & S_IFMT) == S_IFREG
            let hash: UInt64 = isFile ? Self.hash(fm.contents(atPath: path) ?? Data()) : 0
            let modified = Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) * 1e-9
            entries[name] = Entry(size: Int(st.st_size), modified: isFile ? modified : 0, hash: hash,
                                  kind: isFile ? "file" : ((st.st_mode & S_IFMT) == S_IFDIR ? "folder" : "other"))
        }
        self.entries = entries
    }

    /// What changed from `self` to `later`, in words, or nil if nothing did.
    public func difference(_ later: FolderSnapshot) -> String? {
        let added = later.entries.keys.filter { entries[$0] == nil }.sorted()
        let removed = entries.keys.filter { later.entries[$0] == nil }.sorted()
        let changed = entries.keys.filter { later.entries[$0] != nil && later.entries[$0] != entries[$0] }.sorted()
        guard !(added.isEmpty && removed.isEmpty && changed.isEmpty) else { return nil }
        return "the folder changed: added \(added), removed \(removed), changed \(changed)"
    }

    private static func hash(_ data: Data) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in data { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }
}

/// The `masklab` binary run as a child with a time limit, telling a signal from an exit.
enum ChildProcess {
    enum Outcome {
        case exited(Int32, stderr: String)
        case signal(Int32, stderr: String)
        case timedOut
        case failedToStart(String)
    }

    static func run(_ arguments: [String], timeout: Double, log: URL) -> Outcome {
        let p = Process()
        p.executableURL = CommandRunner.masklab
        p.arguments = arguments
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        FileManager.default.createFile(atPath: log.path, contents: nil)
        guard let err = FileHandle(forWritingAtPath: log.path) else { return .failedToStart("cannot open \(log.path)") }
        p.standardError = err
        do { try p.run() } catch { return .failedToStart("\(error)") }
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
        if p.isRunning {
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            return .timedOut
        }
        p.waitUntilExit()
        try? err.close()
        let stderr = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return p.terminationReason == .uncaughtSignal ? .signal(p.terminationStatus, stderr: stderr)
                                                       : .exited(p.terminationStatus, stderr: stderr)
    }
}
