import Foundation
import TensorCore

/// Where a result came from: the commit, the machine, the BLAS, the time.
public struct Provenance: Codable, Sendable {
    public var commit: String
    /// Whether the compiled code — tracked or new files in `Sources/`, `Plugins/` and
    /// `Package.swift` — differed from `commit` (when the binary was built, for a stamped binary;
    /// when it ran, otherwise). Docs, scripts and results do not count: configs are recorded in
    /// each run's `config.json`.
    public var dirty: Bool
    public var machine: String
    public var cpu: String
    public var cores: Int
    public var blas: String
    /// How narrow F(2×2, 3×3) layers ran: `fused` (`FusedWinograd`, AVX-512) or `chunked`
    /// (transform passes and GEMMs); the bits of a run with such layers depend on it. Nil in
    /// records from before the fused kernel existed (they ran `chunked`).
    public var winograd: String? = nil
    /// How stride-2 convolutions ran: `direct` (`StridedConvolution`, AVX-512) or `im2col`; the
    /// bits of a run with such layers depend on it. Nil in records from before the direct kernel
    /// existed (they ran `im2col`).
    public var strided: String? = nil
    /// How F(4×4, 3×3)'s transforms ran: `vector` (the C kernels with AVX-512) or `portable` (their
    /// Swift twins, `MASKLAB_F4_VECTOR_TRANSFORMS=0`). The bits do not depend on it; it is recorded
    /// for speed comparisons. Nil in records from before session 35.
    public var f4Transforms: String? = nil
    public var date: String
    /// True when the clone's HEAD moved (checkout, commit, reset) after the running binary was
    /// built, so `commit` may name newer code than the binary's; nil when not known or not so.
    public var builtBeforeHead: Bool? = nil
    /// True when `commit` and `dirty` are the binary's own build stamp (`buildStamp`); nil when
    /// they were read from the clone at run time.
    public var stamped: Bool? = nil
    /// The clone's HEAD when it differs from the stamped build commit (the binary is older or
    /// newer than the checkout); nil when equal or unknown.
    public var cloneHead: String? = nil
    /// The cache-line round trip between the worker pool's threads when this was read
    /// (`Parallel.measureRoundTrip`), nanoseconds; nil with one thread. Periods of ≈ 75–95 ns and
    /// of ≈ 320–410 ns (the host placed the vCPUs far apart) change the speed of 2-thread runs.
    public var roundTripNanoseconds: Int? = nil
    /// How many times one thread's arithmetic all the pool's threads did together when this was
    /// read (`Parallel.measureComputeSpeedup`); ≈ 2 on two cores, ≈ 1 when the host put the two
    /// vCPUs on one core's hyperthreads; nil with one thread.
    public var computeSpeedup: Double? = nil
    /// True when `roundTripNanoseconds` / `computeSpeedup` were fixed by an option or a test
    /// (`Parallel.fixRoundTrip`, `bench --compute-speedup`) rather than measured; nil otherwise.
    public var roundTripFixed: Bool? = nil
    public var computeSpeedupFixed: Bool? = nil

    /// The commit the running executable was built from and whether its code differed from it
    /// then, which `masklab` sets at start from the stamp `BuildCommitPlugin` writes at build
    /// time; nil in processes without one (the tests), which read the clone instead.
    nonisolated(unsafe) public static var buildStamp: (commit: String, dirty: Bool)? = nil

    /// Reads the current state: the binary's build stamp (else git in the clone the running
    /// binary was built in, `repository`), /proc/cpuinfo, OpenBLAS.
    public static func current() -> Provenance {
        let clone = cloneAtStart
        let stamp = buildStamp.flatMap { $0.commit == "unknown" ? nil : $0 }
        let commit = stamp?.commit ?? clone.head ?? "unknown"
        let dirty = stamp?.dirty ?? clone.dirty
        let head = clone.head
        let uname = shell(["uname", "-srm"]) ?? "unknown"
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" } ?? "unknown"
        let formatter = ISO8601DateFormatter()
        var p = Provenance(commit: commit, dirty: dirty, machine: uname, cpu: model,
                           cores: ProcessInfo.processInfo.activeProcessorCount, blas: BLASInfo.openBLASConfig,
                           date: formatter.string(from: Date()))
        p.winograd = Self.winogradKernels
        p.strided = Self.stridedKernels
        p.f4Transforms = WinogradF4.transformKernels
        if stamp != nil {
            p.stamped = true
            if let head, head != commit { p.cloneHead = head }
        } else if clone.builtBeforeHead == true {
            p.builtBeforeHead = true
        }
        if Parallel.threads > 1 {
            p.roundTripNanoseconds = Parallel.measureRoundTrip()
            p.computeSpeedup = Parallel.measureComputeSpeedup()
            if Parallel.isRoundTripFixed { p.roundTripFixed = true }
            if Parallel.isComputeSpeedupFixed { p.computeSpeedupFixed = true }
        }
        return p
    }

    /// This process's fused-Winograd choice: "fused" or "chunked" (`winograd`).
    static var winogradKernels: String { KernelSet.current.winograd }

    /// This process's stride-2 convolution kernels: "direct" or "im2col" (`strided`).
    static var stridedKernels: String { KernelSet.current.strided }

    /// The words after the `strided:` value in `command.txt`.
    static func stridedExplanation(_ kernels: String) -> String {
        kernels == "direct" ? " (stride-2 convolutions per block of 16 output pixels with AVX-512; MASKLAB_DIRECT_STRIDED=0 turns it off)"
            : FusedWinograd.available ? " (column matrices and GEMMs: MASKLAB_DIRECT_STRIDED=0)" : " (column matrices and GEMMs: no AVX-512 here)"
    }

    /// The words after the `winograd:` value in `command.txt`.
    static func winogradExplanation(_ kernels: String) -> String {
        kernels == "fused" ? " (3×3 layers up to 32 channels, and up to 128 on 8×8 and 4×4 maps, per 16-tile block with AVX-512; MASKLAB_FUSED_WINOGRAD=0 turns it off)"
            : FusedWinograd.available ? " (transform passes and GEMMs: MASKLAB_FUSED_WINOGRAD=0)" : " (transform passes and GEMMs: no AVX-512 here)"
    }

    /// The words after the `f4 transforms:` value in `command.txt`.
    static func f4TransformsExplanation(_ kernels: String) -> String {
        kernels == "vector" ? " (F(4×4) transforms in C with AVX-512; MASKLAB_F4_VECTOR_TRANSFORMS=0 runs the Swift twins, the same bits)"
            : FusedWinograd.available ? " (the Swift twins: MASKLAB_F4_VECTOR_TRANSFORMS=0; the same bits)" : " (the Swift twins: no AVX-512 here)"
    }

    /// The clone's HEAD, whether its code differed from it, and whether HEAD moved after the
    /// running binary was built, read once per process at the first `current()` (before a long
    /// command trains anything): a rebuild later in the run replaces the executable's file, and
    /// reading the clone then would name code this process never ran. Nil head when the
    /// executable was already replaced (`/proc/self/exe` ends in " (deleted)") or no clone is found.
    static let cloneAtStart = cloneState(executable: URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath())

    /// `cloneAtStart` for the running binary at `executable`.
    static func cloneState(executable: URL) -> (head: String?, dirty: Bool, builtBeforeHead: Bool?) {
        guard !executable.path.hasSuffix(" (deleted)") else { return (nil, false, nil) }
        let git = repository.map { ["git", "-C", $0.path] } ?? ["git"]
        let head = shell(git + ["rev-parse", "--short=12", "HEAD"])
        let dirty = codeDiffers(git: git)
        var moved: Bool?
        if let repository, executable.path.hasPrefix(repository.path + "/"),
           let built = (try? FileManager.default.attributesOfItem(atPath: executable.path))?[.modificationDate] as? Date {
            moved = headMoved(after: built, git: git)
        }
        return (head, dirty, moved)
    }

    /// Whether the compiled code of the clone `git` runs in differs from its HEAD: tracked or new
    /// files in `Sources/`, `Plugins/`, `Package.swift` — what the build stamp counts (`dirty`).
    static func codeDiffers(git: [String]) -> Bool {
        !(shell(git + ["status", "--porcelain", "--untracked-files=all", "--", "Sources", "Plugins", "Package.swift"]) ?? "").isEmpty
    }

    /// Whether HEAD of the clone `git` runs in moved after `date` (its reflog's last entry);
    /// nil when git cannot say.
    static func headMoved(after date: Date, git: [String]) -> Bool? {
        guard let entry = shell(git + ["reflog", "-1", "--date=unix", "--format=%gd", "HEAD"]),
              let open = entry.firstIndex(of: "{"), let close = entry.lastIndex(of: "}"), open < close,
              let seconds = TimeInterval(entry[entry.index(after: open)..<close]) else { return nil }
        return Date(timeIntervalSince1970: seconds) > date
    }

    /// One line per fact, for `command.txt` and reports.
    public var text: String {
        """
        commit: \(commit)\(dirty ? " (with uncommitted changes)" : "")\(builtBeforeHead == true ? " (HEAD moved after this binary was built: rebuild to be sure it is this commit's code)" : "")\(cloneHead.map { "\nclone: HEAD is now \($0); the binary was built from the commit above" } ?? "")
        machine: \(machine), \(cpu), \(cores) cores
        blas: \(blas)
        """ + (winograd.map { "\nwinograd: \($0)" + Self.winogradExplanation($0) } ?? "")
            + (strided.map { "\nstrided: \($0)" + Self.stridedExplanation($0) } ?? "")
            + (f4Transforms.map { "\nf4 transforms: \($0)" + Self.f4TransformsExplanation($0) } ?? "") + """

        date: \(date)
        """ + (roundTripNanoseconds.map { roundTripFixed == true
                ? "\nround trip: \($0) ns, fixed (not measured) for the cost model"
                : "\nround trip: \($0) ns between the worker pool's threads (cache line; ≈ 75–95 quiet, 320–410 when the vCPUs are far apart)" } ?? "")
            + (computeSpeedup.map { computeSpeedupFixed == true
                ? String(format: "\ncompute speed-up: %.2f×, fixed (not measured) for the cost model", $0)
                : String(format: "\ncompute speed-up: %.2f× on all threads over one (≈ 2 on two cores, ≈ 1 on one core's hyperthreads)", $0) } ?? "")
    }

    /// The git clone the running binary belongs to: the first folder holding `.git` above the
    /// executable (`<clone>/.build/<configuration>/masklab`), else above the current folder; nil
    /// outside any clone. `masklab` carries its build commit (`buildStamp`); a process without
    /// one reads the commit from this clone at run time, which names the binary's code as long
    /// as the clone was not moved to another commit after the build.
    public static var repository: URL? {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let starts = (FileManager.default.fileExists(atPath: executable.path) ? [executable.deletingLastPathComponent()] : [])
            + [URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)]
        for start in starts {
            var folder = start.standardizedFileURL
            while true {
                if FileManager.default.fileExists(atPath: folder.appendingPathComponent(".git").path) { return folder }
                let parent = folder.deletingLastPathComponent()
                if parent.path == folder.path { break }
                folder = parent
            }
        }
        return nil
    }

    static func shell(_ args: [String]) -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
