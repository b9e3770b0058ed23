import ArgumentParser
import Foundation
import Experiments
import Training
import Options
import TensorCore

/// `masklab bench`: training and inference throughput, GFLOP/s, share of the sgemm peak, peak
/// memory and allocation checks for the reference workloads (see `Benchmark`).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure training speed (img/s, GFLOP/s, share of sgemm peak), eval speed and peak memory.",
        discussion: """
        Workloads: mlp (batch 60, 1×28×28), resnet18-w16 and resnet18-w64 (batch 128, 3×32×32), SGD with \
        momentum 0.9 and weight decay 5e-4 on one seeded random batch. Each workload runs in a fresh child \
        process (so peak memory is its own); figures are medians over --steps steps after --warmup steps. \
        GFLOP/s count multiply-accumulates per layer (training = 3 × forward, FLOP = 2 × MAC), as \
        bench/torch_anchor.py does. With --torch PYTHON, PyTorch's figures are measured right after with \
        that interpreter and shown side by side (skipped with a note if it or torch is missing).

        Structured pruning: --structured 0.5,0.75 adds, for each selected workload, the model with that \
        share of every channel group removed (ResNets: inside each BasicBlock; l1-filter on the seeded \
        initial weights — the widths depend on the ratio only) and the dense model with an unstructured \
        magnitude mask keeping as many weights per grouped tensor (applied as a fixed mask is in training; \
        dense kernels, so no speed-up is expected). --pruned DIR (repeatable) measures a folder written by \
        `masklab prune --structured`: its dense original, the pruned model and the masked dense model at the \
        run's batch size. A closing section gives per pruned model the FLOP reduction and the training and \
        evaluation time saved against the dense model of the same run.

        Convolution kernels: --convolutions times, in this process, the 3×3 stride-1 layers of ResNet-18 \
        width 16 (16→16 at 32×32, 32→32 at 16×16, 64→64 at 8×8, 128→128 at 4×4, and 16→32 at 16×16, \
        32→32 at 32×32) at batch 128, forward, \
        weight gradient and full backward, with the fused AVX-512 Winograd kernel and with the chunked \
        transforms and GEMMs, which one goes first alternating round by round; it prints medians over \
        --steps rounds after --warmup rounds and their ratio (--json-file writes the rows). --threads, \
        --round-trip and --compute-speedup apply as for the workloads.

        Layers: --layers runs --steps more training steps in each workload's process after the measured \
        ones (and one untimed step), timing every layer's forward and backward call (a BasicBlock's \
        convolutions, bn1 and its output pass — bn2, the projection's BatchNorm, the add and the ReLU — \
        separately), and prints per layer the milliseconds per step, the share of the step, GFLOP/s and \
        the convolution's lowering, then the totals by kind of work. Times are wall time on the calling \
        thread, so they include the pool's work; the workload's own figures above do not include these \
        steps. Not with --jobs above 1.

        Concurrent jobs: --jobs N runs N copies of each workload's child process at the same time, each \
        on --threads threads, as `masklab compare` or `sweep` runs N jobs × threadsPerJob. The row shows the \
        first copy; a closing section gives every copy's img/s and their sum, the aggregate throughput \
        that a study with that setting can at best reach.
        """
    )

    @Option(name: .long, help: "Comma-separated workloads (default: all of mlp,resnet18-w16,resnet18-w64).")
    var workloads: String?

    @Option(name: .long, help: "Measured steps per workload (the median is reported).")
    var steps = 10

    @Option(name: .long, help: "Unmeasured warm-up steps (they also let buffers and the worker pool settle before the heap is measured).")
    var warmup = 3

    @Option(name: .long, help: "Threads for MaskLab's loops and OpenBLAS, in [1, 4 × cores]. Default: all cores.")
    var threads: Int?

    @Option(name: .long, help: "Run this many copies of each workload at once (each on --threads threads) and report their aggregate throughput, as a study with that many jobs would run.")
    var jobs = 1

    @Option(name: .long, parsing: .unconditional, help: "Fix the cache-line round trip (ns) the thread cost model assumes instead of measuring it: 0 spreads every region over the threads (the behaviour before the model), a large value runs every region's chunks on one thread (same results either way).")
    var roundTrip: Int?

    @Option(name: .long, parsing: .unconditional, help: "Fix the speed-up of arithmetic on all threads over one that the thread cost model assumes instead of measuring it (≈ 2 when the two vCPUs have a core each, ≈ 1 on one core's hyperthreads): 1 runs every matrix-product region on one thread (same results either way).")
    var computeSpeedup: Double?

    @Flag(name: .long, help: "Print the results as JSON.")
    var json = false

    @Option(name: .long, help: "Also write the JSON report to this file (the table still goes to standard output).")
    var jsonFile: String?

    @Option(name: .long, help: "A Python interpreter with torch: also run bench/torch_anchor.py and print ratios.")
    var torch: String?

    @Option(name: .long, help: "Path of torch_anchor.py (default: the project's bench/torch_anchor.py, found from the current folder or the executable).")
    var torchScript: String?

    @Option(name: .long, help: ArgumentHelp("Also measure each workload with these shares of every channel group removed, and masked at the same sparsity (see the discussion).", valueName: "r1,r2"))
    var structured: String?

    @Option(name: .long, help: ArgumentHelp("A `masklab prune --structured` folder: measure it against its dense original (repeatable).", valueName: "DIR"))
    var pruned: [String] = []

    @Flag(name: .long, help: "Time ResNet-18 width 16's 3×3 stride-1 convolutions with the fused Winograd kernel and with the chunked path instead of the workloads (see the discussion).")
    var convolutions = false

    @Flag(name: .long, help: "Also time each layer's training forward and backward: --steps more steps after the measured ones, then a table per workload (see the discussion).")
    var layers = false

    @Option(name: .long, help: .hidden)
    var workload: String?

    /// Child mode with --jobs: the meeting folder of `BenchBarrier` and the number of copies.
    @Option(name: .long, help: .hidden)
    var barrier: String?

    @Option(name: .long, help: .hidden)
    var barrierCount = 1

    func validate() throws {
        guard steps >= 1 else { throw ValidationError("--steps must be ≥ 1, got \(steps)") }
        guard warmup >= 0 else { throw ValidationError("--warmup must be ≥ 0, got \(warmup)") }
        guard (1...TrainingConfig.maxThreads).contains(jobs) else {
            throw ValidationError("--jobs must be in [1, \(TrainingConfig.maxThreads)] (4 × the cores), got \(jobs)")
        }
        if jobs > 1, torch != nil {
            throw ValidationError("--torch compares one MaskLab process with PyTorch alone; it cannot be combined with --jobs \(jobs)")
        }
        if let roundTrip, roundTrip < 0 { throw ValidationError("--round-trip must be ≥ 0 ns, got \(roundTrip)") }
        if let computeSpeedup, !(computeSpeedup > 0 && computeSpeedup.isFinite) {
            throw ValidationError("--compute-speedup must be a positive number (≈ 1–\(ProcessInfo.processInfo.activeProcessorCount)), got \(computeSpeedup)")
        }
        if let threads, !(1...TrainingConfig.maxThreads).contains(threads) {
            throw ValidationError("--threads must be in [1, \(TrainingConfig.maxThreads)] (4 × the cores), got \(threads)")
        }
        if let workloads, CommaList.split(workloads) == nil {
            throw ValidationError("--workloads: expected comma-separated names without empty items, got '\(workloads)'")
        }
        for name in bases where Benchmark.workload(named: name) == nil {
            throw ValidationError("unknown workload '\(name)'; valid: \(Benchmark.workloads.map(\.name).joined(separator: ", "))")
        }
        _ = try ratios()
        if let jsonFile {
            // Refused before anything is measured, not after minutes of it.
            let folder = URL(fileURLWithPath: jsonFile).deletingLastPathComponent().path
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue,
                  FileManager.default.isWritableFile(atPath: folder) else {
                throw ValidationError("--json-file \(jsonFile): its folder \(folder) does not exist or cannot be written")
            }
        }
        if layers, jobs > 1 {
            throw ValidationError("--layers times one process's layers; it cannot be combined with --jobs \(jobs)")
        }
        if convolutions, workloads != nil || structured != nil || !pruned.isEmpty || torch != nil || jobs > 1 || json || layers {
            throw ValidationError("--convolutions times single layers; it cannot be combined with --workloads, --structured, --pruned, --torch, --jobs, --layers or --json (use --json-file)")
        }
        for dir in pruned {
            do { _ = try StructuredWorkloads.folder(dir) } catch { throw ValidationError("--pruned \(dir): \(error)") }
        }
    }

    /// The named workloads (default: all; none when only --pruned folders are given).
    var bases: [String] {
        if let workload { return [workload] }
        return workloads.flatMap(CommaList.split) ?? (pruned.isEmpty ? Benchmark.workloads.map(\.name) : [])
    }

    /// --structured as shares in [0, 1).
    func ratios() throws -> [Double] {
        guard let structured, workload == nil else { return [] }
        do throws(OptionError) {
            return try CommaList.parse(structured, what: "--structured", expected: "a share of channels removed in [0, 1)") { Double($0).flatMap { $0 >= 0 && $0 < 1 ? $0 : nil } }
        } catch { throw ValidationError(error.message) }
    }

    /// Every workload measured, in order: each base followed by its pruned and masked variants, then the folders'.
    var selected: [String] {
        get throws {
            let r = try ratios()
            var names: [String] = []
            for base in bases {
                names.append(base)
                for x in r { names += ["\(base)/pruned-\(String(format: "%g", x))", "\(base)/masked-\(String(format: "%g", x))"] }
            }
            for dir in pruned { names += ["dense", "pruned", "masked"].map { "\(dir)#\($0)" } }
            return names
        }
    }

    var threadCount: Int { threads ?? ProcessInfo.processInfo.activeProcessorCount }

    func run() throws {
        // Child mode: measure one workload in this process and print its result as one JSON line.
        if let workload {
            guard let w = Benchmark.workload(named: workload) else { throw CommandFailure("bench: unknown workload \(workload)") }
            let meeting = barrier.map { BenchBarrier(folder: URL(fileURLWithPath: $0, isDirectory: true), count: barrierCount) }
            let result = try Benchmark.run(w, steps: steps, warmup: warmup, threads: threadCount, roundTrip: roundTrip, computeSpeedup: computeSpeedup,
                                           layers: layers, beforeMeasuring: { meeting?.arriveAndWait() })
            print(String(decoding: try JSONEncoder().encode(result), as: UTF8.self))
            return
        }
        if convolutions {
            Parallel.setThreads(threadCount)
            if let roundTrip { Parallel.fixRoundTrip(nanoseconds: roundTrip) }
            if let computeSpeedup { Parallel.fixComputeSpeedup(computeSpeedup) }
            StandardStreams.error("bench: convolutions on \(threadCount) thread(s), \(warmup) warm-up and \(steps) measured rounds…\n")
            let rows = ConvolutionBenchmark.run(layers: ConvolutionBenchmark.defaultLayers, batch: 128, rounds: steps, warmup: warmup)
            print(ConvolutionBenchmark.table(rows))
            if let jsonFile { try write(try report(rows), to: jsonFile) }
            return
        }
        let peak = Benchmark.sgemmPeak(threads: threadCount)
        var results: [BenchmarkResult] = []
        for name in try selected {
            if !json { StandardStreams.error("bench: \(name)…\n") }
            let copies = try children(name)
            var first = copies[0]
            if copies.count > 1 {
                first.concurrentJobs = BenchmarkResult.ConcurrentJobs(
                    trainImagesPerSecond: copies.map(\.trainImagesPerSecond),
                    evalImagesPerSecond: copies.map(\.evalImagesPerSecond),
                    trainSpans: copies.map(\.measuredSpan))
            }
            results.append(first)
        }
        var torchReport: TorchAnchor.Report?
        var torchProblem: String?
        if let torch {
            if !json { StandardStreams.error("bench: PyTorch via \(torch)…\n") }
            let script = torchScript ?? TorchAnchor.defaultScript() ?? "bench/torch_anchor.py"
            (torchReport, torchProblem) = TorchAnchor.run(python: torch, script: script, workloads: bases,
                                                          threads: threadCount, steps: steps)
        }
        let report = BenchmarkReport(provenance: Provenance.current(), threads: threadCount, sgemmPeakGFLOPs: peak,
                                     results: results, torch: torchReport, torchProblem: torchProblem)
        let data = try self.report(report)
        if let jsonFile { try write(data, to: jsonFile) }
        if json {
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(report.table)
        }
    }

    /// `value` as the report's JSON (pretty-printed, keys sorted).
    func report(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(value)
    }

    /// Writes the JSON report to `path` (--json-file), saying which file could not be written and why.
    func write(_ data: Data, to path: String) throws {
        do { try data.write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw CommandFailure("bench: cannot write --json-file \(path): \(error.localizedDescription) (the table above is the result)")
        }
    }

    /// Runs `jobs` copies of `masklab bench --workload name` at once, each in a fresh process
    /// writing its JSON line to a file, and decodes them (in start order). With more than one copy
    /// they meet at a `BenchBarrier` after their warm-up. When a copy fails, the others are
    /// stopped and the error names it; no copy outlives this call.
    func children(_ name: String) throws -> [BenchmarkResult] {
        let meeting = try BenchBarrier.create(count: jobs)
        defer { meeting.remove() }
        var started: [Process] = []
        defer {
            // SIGKILL, not `terminate()`: a copy has nothing to save, and SIGTERM may be blocked in
            // a process started from a thread that blocks it (the mask is inherited).
            for p in started where p.isRunning { kill(p.processIdentifier, SIGKILL) }
            for p in started { p.waitUntilExit() }
        }
        for i in 0..<jobs {
            started.append(try startChild(name, output: meeting.folder.appendingPathComponent("copy-\(i).json"),
                                          barrier: jobs > 1 ? meeting : nil))
        }
        // Wait for all; stop early when one fails (the others would wait at the barrier).
        while started.contains(where: \.isRunning) {
            if started.contains(where: { !$0.isRunning && $0.terminationStatus != 0 }) { break }
            usleep(20_000)
        }
        let failed = started.indices.filter { !started[$0].isRunning && started[$0].terminationStatus != 0 }
        if let i = failed.first {
            throw CommandFailure("bench: copy \(i + 1) of \(jobs) of \(name) failed (status \(started[i].terminationStatus))"
                                 + (jobs > 1 ? "; the other copies were stopped" : ""))
        }
        return try started.indices.map { i in
            let data = (try? Data(contentsOf: meeting.folder.appendingPathComponent("copy-\(i).json"))) ?? Data()
            guard let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last(where: { $0.hasPrefix("{") }) else {
                throw CommandFailure("bench: copy \(i + 1) of \(jobs) of \(name) ended without its JSON result")
            }
            return try JSONDecoder().decode(BenchmarkResult.self, from: Data(line.utf8))
        }
    }

    /// Starts `masklab bench --workload name` in a fresh process writing its JSON to `output`.
    func startChild(_ name: String, output: URL, barrier: BenchBarrier?) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()   // as the study executors do
        var arguments = ["bench", "--workload", name, "--steps", String(steps), "--warmup", String(warmup),
                         "--threads", String(threadCount)]
        if let roundTrip { arguments += ["--round-trip", String(roundTrip)] }
        if let computeSpeedup { arguments += ["--compute-speedup", String(computeSpeedup)] }
        if let barrier { arguments += ["--barrier", barrier.folder.path, "--barrier-count", String(barrier.count)] }
        if layers { arguments.append("--layers") }
        p.arguments = arguments
        guard FileManager.default.createFile(atPath: output.path, contents: nil) else {
            throw CommandFailure("bench: cannot create \(output.path) for the result of \(name)")
        }
        p.standardOutput = try FileHandle(forWritingTo: output)
        try p.run()
        return p
    }
}
