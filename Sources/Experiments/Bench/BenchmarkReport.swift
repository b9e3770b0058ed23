import Foundation

/// A `masklab bench` session: the machine, its measured sgemm peak, MaskLab's results per
/// workload and, when asked, PyTorch's beside them; renders the human-readable table.
public struct BenchmarkReport: Codable, Sendable {
    public var provenance: Provenance
    public var threads: Int
    /// Median GFLOP/s of a 2048³ OpenBLAS sgemm on `threads` threads.
    public var sgemmPeakGFLOPs: Double
    public var results: [BenchmarkResult]
    public var torch: TorchAnchor.Report?
    /// Why PyTorch's figures are missing, when `--torch` was given and they could not be measured.
    public var torchProblem: String?

    public init(provenance: Provenance, threads: Int, sgemmPeakGFLOPs: Double, results: [BenchmarkResult],
                torch: TorchAnchor.Report?, torchProblem: String?) {
        self.provenance = provenance
        self.threads = threads
        self.sgemmPeakGFLOPs = sgemmPeakGFLOPs
        self.results = results
        self.torch = torch
        self.torchProblem = torchProblem
    }

    /// Fixed-width table, one row per workload (plus PyTorch and ratio columns when measured).
    public var table: String {
        var lines = [
            provenance.text,
            String(format: "threads: %d, sgemm 2048³ peak: %.1f GFLOP/s; medians of %d steps after %d warm-up",
                   threads, sgemmPeakGFLOPs, results.first?.steps ?? 0, results.first?.warmup ?? 0),
            "",
        ]
        let nameWidth = max(14, results.map(\.workload.count).max() ?? 0)   // pruned variants have long names
        var header = "workload".padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  batch  train img/s  step ms      fwd/bwd/opt ms    GFLOP/s  %peak  eval img/s  peak RSS   tensors  allocs  heap Δ"
        if torch != nil { header += "  | torch img/s  ratio  torch GFLOP/s  torch RSS  torch eval img/s  eval ratio" }
        lines.append(header)
        for r in results {
            // Text columns are padded here: Foundation on Linux ignores the width of %@.
            func right(_ s: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
            var row = r.workload.padding(toLength: nameWidth, withPad: " ", startingAt: 0)
                + String(format: "  %5d  %11.1f  %7.1f  %6.1f/%6.1f/%4.1f  %9.1f  %4.0f%%  %10.1f", r.batch, r.trainImagesPerSecond,
                         r.trainStepSeconds * 1000, r.forwardSeconds * 1000, r.backwardSeconds * 1000, r.optimizerSeconds * 1000,
                         r.trainGFLOPs, 100 * r.trainGFLOPs / sgemmPeakGFLOPs, r.evalImagesPerSecond)
                + "  " + right(Self.bytes(r.peakResidentBytes), 8) + "  " + right(Self.bytes(r.liveTensorBytes), 8)
                + String(format: "  %6d", r.tensorAllocationsInSteps) + "  " + right(r.heapBytesGrowthInSteps.map { String($0) } ?? "n/a", 6)
            if let t = torch?.results.first(where: { $0.workload == r.workload }) {
                row += String(format: "  | %11.1f  %4.2f×  %13.1f", t.imagesPerSecond, r.trainImagesPerSecond / t.imagesPerSecond, t.trainGFLOPs)
                    + "  " + right(Self.bytes(t.peakResidentBytes), 9)
                if let e = t.evalImagesPerSecond {
                    row += String(format: "  %16.1f  %9.2f×", e, r.evalImagesPerSecond / e)
                }
            }
            lines.append(row)
        }
        let threading = results.compactMap { r in
            r.threading.map { t in
                String(format: "%@ round trip %@ ns%@%@%@, regions per train step %.0f (%.0f on the pool), per eval pass %.0f (%.0f)",
                       r.workload as NSString, t.roundTripNanoseconds.map(String.init).joined(separator: "/") as NSString,
                       (t.roundTripFixed ? " (fixed by --round-trip)" : " (before/after)") as NSString,
                       ((t.computeSpeedup ?? []).isEmpty ? "" : ", compute speed-up " + (t.computeSpeedup ?? []).map { String(format: "%.2f×", $0) }.joined(separator: "/")) as NSString,
                       (t.computeSpeedupFixed == true ? " (fixed by --compute-speedup)" : "") as NSString,
                       t.trainRegionsPerStep, t.trainSpreadRegionsPerStep, t.evalRegionsPerStep, t.evalSpreadRegionsPerStep)
            }
        }
        if !threading.isEmpty { lines += [""] + threading }
        let host = results.map { r in Self.hostLoadLine(r.workload, r.hostLoad, copies: r.concurrentJobs?.trainImagesPerSecond.count ?? 1) }
        if results.contains(where: { $0.hostLoad != nil }) { lines += [""] + host }
        let concurrent = results.compactMap { r in
            r.concurrentJobs.map { c in
                String(format: "%@: %d jobs × %d threads at once, train img/s %@ (Σ %.1f), eval img/s %@ (Σ %.1f), measured training overlapped %@",
                       r.workload as NSString, c.trainImagesPerSecond.count, r.threads,
                       c.trainImagesPerSecond.map { String(format: "%.1f", $0) }.joined(separator: " + ") as NSString,
                       c.aggregateTrainImagesPerSecond,
                       c.evalImagesPerSecond.map { String(format: "%.1f", $0) }.joined(separator: " + ") as NSString,
                       c.aggregateEvalImagesPerSecond,
                       (c.trainOverlap.map { String(format: "%.0f%%", 100 * $0) } ?? "n/a") as NSString)
            }
        }
        if !concurrent.isEmpty { lines += ["", "Concurrent copies (each workload's row above is its first copy):"] + concurrent }
        lines += structuredComparison
        lines += layerTables
        if let torch {
            lines.append("")
            lines.append("PyTorch \(torch.torchVersion): torch_anchor.py run once after MaskLab (mean of its own steps; its RSS is the whole script's peak), sgemm peak "
                         + (torch.sgemmGFLOPs.map { String(format: "%.1f", $0) } ?? "n/a") + " GFLOP/s; the ResNets are the faster of NCHW and channels_last, "
                         + "separately for training and evaluation (" + torch.results.filter { $0.workload.hasPrefix("resnet18") }
                            .map { "\($0.workload): \($0.variant) / \($0.evalVariant ?? "-")" }.joined(separator: ", ") + ")")
        } else if let torchProblem {
            lines.append("")
            lines.append("PyTorch skipped: \(torchProblem)")
        }
        return lines.joined(separator: "\n")
    }

    /// One workload's `HostLoad` in words: the host's steal and other processes' share of the
    /// CPUs during its measured steps, flagged when either passed `HostLoad.disturbedShare`. With
    /// `copies` > 1 (`--jobs`) the other copies are among the other processes, so only steal flags.
    static func hostLoadLine(_ workload: String, _ load: HostLoad?, copies: Int = 1) -> String {
        guard let load else {
            return "\(workload): the machine's load during the measured steps was not read (window under \(HostLoad.minimumTicks) ticks of /proc/stat, counters that went backwards, or no /proc/stat)"
        }
        var line = String(format: "%@: during the measured steps (%.1f CPU-seconds of the machine) the host stole %.1f%%, other processes used %.1f%%",
                          workload as NSString, load.cpuSeconds, 100 * load.stealShare, 100 * load.otherProcessesShare)
        if copies > 1 { line += " (the other \(copies - 1) cop\(copies == 2 ? "y" : "ies") included)" }
        if load.disturbed(countingOtherProcesses: copies == 1) {
            line += String(format: " — over %.0f%%: these figures are not representative of MaskLab", 100 * HostLoad.disturbedShare)
        }
        return line
    }

    static func bytes(_ b: Int?) -> String {
        guard let b else { return "n/a" }
        return b >= 1 << 30 ? String(format: "%.2f GB", Double(b) / 1e9) : String(format: "%.0f MB", Double(b) / 1e6)
    }
}
