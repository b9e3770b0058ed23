import Foundation

extension BenchmarkReport {
    /// One line per pruned workload measured beside its dense original (`StructuredWorkloads`
    /// names): the FLOP reduction, the training and evaluation time saved and that saving as a
    /// share of the FLOP reduction, and the same times for the unstructured mask at the same
    /// sparsity. Empty when no pruned workload was measured.
    public var structuredComparison: [String] {
        var lines: [String] = []
        for p in results {
            let base: String, masked: String
            if let r = p.workload.range(of: "/pruned-") {
                base = String(p.workload[..<r.lowerBound])
                masked = base + "/masked-" + String(p.workload[r.upperBound...])
            } else if p.workload.hasSuffix("#pruned") {
                base = String(p.workload.dropLast("pruned".count)) + "dense"
                masked = String(p.workload.dropLast("pruned".count)) + "masked"
            } else { continue }
            guard let d = results.first(where: { $0.workload == base }) else { continue }
            let flops = 1 - Double(p.forwardMACsPerSample) / Double(d.forwardMACsPerSample)
            let train = 1 - p.trainStepSeconds / d.trainStepSeconds, eval = 1 - p.evalStepSeconds / d.evalStepSeconds
            var line = String(format: "%@: FLOP reduction %.1f%%; training time saved %.1f%% (%.0f%% of the FLOP reduction), evaluation %.1f%% (%.0f%%); parameters %d → %d",
                              p.workload, 100 * flops, 100 * train, flops > 0 ? 100 * train / flops : 0, 100 * eval, flops > 0 ? 100 * eval / flops : 0,
                              d.parameters, p.parameters)
            if let m = results.first(where: { $0.workload == masked }) {
                line += String(format: "; unstructured mask at the same sparsity: training %.1f%%, evaluation %.1f%% saved",
                               100 * (1 - m.trainStepSeconds / d.trainStepSeconds), 100 * (1 - m.evalStepSeconds / d.evalStepSeconds))
            }
            lines.append(line)
        }
        return lines.isEmpty ? [] : ["", "Structured pruning against the dense model measured in this run:"] + lines
    }
}
