import Foundation

/// PyTorch's figures for the benchmark workloads: `bench/torch_anchor.py` itself, run unchanged
/// (through `runpy`, so the interpreter can report its peak resident memory afterwards) with a
/// given Python interpreter. The script measures all its workloads in one process, so its peak
/// memory is the largest over them (resnet18-w64 dominates).
///
/// Optional by design: a missing interpreter, a missing `torch` or a failing script gives nil
/// with the reason, never an error for the MaskLab measurement beside it.
public enum TorchAnchor {
    /// One PyTorch measurement (the script reports the mean over its steps, not a median).
    public struct Result: Codable, Sendable {
        public var workload: String
        public var imagesPerSecond: Double
        public var stepSeconds: Double
        public var trainGFLOPs: Double
        /// Peak resident memory of the interpreter that ran the whole script (`ru_maxrss`), bytes.
        public var peakResidentBytes: Int?
        /// The best of the plain and `channels_last` variants when both ran (the ResNets).
        public var variant: String
        /// Evaluation images/s (`model.eval()`, `torch.no_grad()`, same batch): the best variant's
        /// for evaluation, which may differ from training's; nil from a script without it.
        public var evalImagesPerSecond: Double?
        public var evalVariant: String?
    }

    /// All figures, plus the sgemm peak PyTorch measures first.
    public struct Report: Codable, Sendable {
        public var torchVersion: String
        public var sgemmGFLOPs: Double?
        public var results: [Result]
    }

    /// The script's workload names for ours (the ResNets also have a channels_last variant).
    static func scriptNames(_ workload: String) -> [String] {
        switch workload {
        case "mlp": return ["mlp-lenet300"]
        case "resnet18-w16", "resnet18-w64": return [workload, workload + "-cl"]
        default: return [workload]
        }
    }

    /// The project's own copy of the anchor script, `bench/torch_anchor.py`: looked up in the
    /// current folder, then in the folders above the executable (a binary built in
    /// `<project>/.build/<triple>/release/` finds `<project>/bench/`). Nil when neither has it.
    public static func defaultScript(executable: URL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath(),
                                     currentDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) -> String? {
        let relative = "bench/torch_anchor.py"
        var candidates = [currentDirectory.appendingPathComponent(relative)]
        var dir = executable.deletingLastPathComponent()
        for _ in 0..<5 {
            candidates.append(dir.appendingPathComponent(relative))
            dir = dir.deletingLastPathComponent()
        }
        return candidates.map(\.path).first { FileManager.default.fileExists(atPath: $0) }
    }

    /// Runs the anchor with `threads` threads and `steps` steps; nil and a reason when it cannot.
    public static func run(python: String, script: String, workloads: [String], threads: Int,
                           steps: Int) -> (report: Report?, problem: String?) {
        guard FileManager.default.fileExists(atPath: script) else { return (nil, "no torch_anchor.py at \(script)") }
        let code = """
            import sys, runpy, resource, torch
            print('version', torch.__version__, flush=True)
            sys.argv = [\(quoted(script)), '--threads', '\(threads)', '--steps', '\(steps)']
            runpy.run_path(\(quoted(script)), run_name='__main__')
            print('maxrss', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
            """
        guard let out = python3(python, code) else {
            return (nil, "\(python) could not run \(script) (is torch installed for it?)")
        }
        let lines = out.split(separator: "\n").map(String.init)
        let version = lines.first { $0.hasPrefix("version ") }.map { String($0.dropFirst(8)) } ?? "?"
        let rss = lines.first { $0.hasPrefix("maxrss ") }.flatMap { Int($0.dropFirst(7)) }.map { $0 * 1024 }
        let sgemm = lines.first { $0.hasPrefix("sgemm") }.flatMap { line in
            line.split(separator: "\t").compactMap { part -> Double? in
                part.hasPrefix("GFLOP/s=") ? Double(part.dropFirst(8)) : nil
            }.first
        }
        let results = collect(lines, workloads: workloads, peakResidentBytes: rss)
        return (Report(torchVersion: version, sgemmGFLOPs: sgemm, results: results), nil)
    }

    /// One result per workload from the script's output lines: the variant with the most training
    /// images/s, carrying the evaluation figure of the variant with the most evaluation images/s.
    static func collect(_ lines: [String], workloads: [String], peakResidentBytes rss: Int?) -> [Result] {
        var results: [Result] = []
        for w in workloads {
            var best: Result?, bestEval: Result?
            for name in scriptNames(w) {
                guard let line = lines.first(where: { $0.hasPrefix(name + "\t") }),
                      var r = parse(line, workload: w, variant: name) else { continue }
                r.peakResidentBytes = rss
                if best == nil || r.imagesPerSecond > best!.imagesPerSecond { best = r }
                if let e = r.evalImagesPerSecond, e > bestEval?.evalImagesPerSecond ?? 0 { bestEval = r }
            }
            if var best {
                (best.evalImagesPerSecond, best.evalVariant) = (bestEval?.evalImagesPerSecond, bestEval?.variant)
                results.append(best)
            }
        }
        return results
    }

    /// Reads `name\tbatch=…\timg/s=…\tstep_ms=…\ttrain_GFLOP/s=…\t…\teval_img/s=…` and `maxrss KB`.
    static func parse(_ output: String, workload: String, variant: String) -> Result? {
        var fields: [String: Double] = [:]
        var rss: Int?
        for line in output.split(separator: "\n") {
            if line.hasPrefix("maxrss ") { rss = Int(line.dropFirst(7)).map { $0 * 1024 } }
            for part in line.split(separator: "\t") {
                let kv = part.split(separator: "=", maxSplits: 1)
                if kv.count == 2, let v = Double(kv[1]) { fields[String(kv[0])] = v }
            }
        }
        guard let ips = fields["img/s"], let ms = fields["step_ms"], let gf = fields["train_GFLOP/s"] else { return nil }
        return Result(workload: workload, imagesPerSecond: ips, stepSeconds: ms / 1000, trainGFLOPs: gf,
                      peakResidentBytes: rss, variant: variant, evalImagesPerSecond: fields["eval_img/s"],
                      evalVariant: fields["eval_img/s"] == nil ? nil : variant)
    }

    /// Standard output of `python -c code`, nil if it cannot run or fails.
    static func python3(_ python: String, _ code: String) -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [python, "-c", code]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return p.terminationStatus == 0 ? String(decoding: data, as: UTF8.self) : nil
    }

    static func quoted(_ s: String) -> String { "'" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'" }
}
