import Foundation
import Layers

extension BenchmarkReport {
    /// For each workload measured with `--layers`: one line per layer (or block part) with its
    /// forward and backward milliseconds per step, its share of the step and its GFLOP/s (forward
    /// `2·MACs·batch` per forward time, backward `4·MACs·batch` per backward time, or `2·MACs·batch`
    /// for a layer whose backward computes no input gradient, such as the first), then
    /// the totals by kind of work and what the layers leave out (loss, optimiser, the gaps
    /// between calls). Empty when no workload was measured so.
    public var layerTables: [String] {
        var lines: [String] = []
        for r in results {
            guard let t = r.layers, t.steps > 0, t.stepSeconds > 0 else { continue }
            let steps = Double(t.steps), step = t.stepSeconds * 1000
            func ms(_ ns: Int) -> Double { Double(ns) / 1e6 / steps }
            func rate(_ flopsPerMAC: Double, _ macs: Int, _ ns: Int) -> String {
                guard macs > 0, ns > 0 else { return "" }
                return String(format: "%.1f", flopsPerMAC * Double(macs) * Double(r.batch) * steps / Double(ns))
            }
            let nameWidth = max(12, t.entries.map(\.name.count).max() ?? 0)
            let kindWidth = max(8, t.entries.map(\.kind.count).max() ?? 0)
            func pad(_ s: String, _ w: Int) -> String { s.padding(toLength: max(w, s.count), withPad: " ", startingAt: 0) }
            lines += ["", String(format: "Layers of %@ (batch %d, %d thread%@): wall time per training step, mean of %d steps of %.1f ms timed layer by layer (the pool's work included)",
                                 r.workload as NSString, r.batch, r.threads, (r.threads == 1 ? "" : "s") as NSString, t.steps, step),
                      pad("layer", nameWidth) + "  " + pad("what", kindWidth) + "   fwd ms   bwd ms   share  fwd GFLOP/s  bwd GFLOP/s"]
            var forward = 0, backward = 0
            for e in t.entries {
                forward += e.forwardNanoseconds
                backward += e.backwardNanoseconds
                let share = 100 * (ms(e.forwardNanoseconds) + ms(e.backwardNanoseconds)) / step
                // Text columns are padded here: Foundation on Linux ignores the width of %@.
                func right(_ s: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
                lines.append(pad(e.name, nameWidth) + "  " + pad(e.kind, kindWidth)
                             + String(format: step < 20 ? "  %7.3f  %7.3f  %5.1f%%" : "  %7.2f  %7.2f  %5.1f%%",
                                      ms(e.forwardNanoseconds), ms(e.backwardNanoseconds), share)
                             + "  " + right(rate(2, e.macsPerSample, e.forwardNanoseconds), 11)
                             + "  " + right(rate(e.inputGradient ? 4 : 2, e.macsPerSample, e.backwardNanoseconds), 11))
            }
            var groups: [(String, Int, Int)] = []
            for e in t.entries {
                if let i = groups.firstIndex(where: { $0.0 == e.group }) {
                    groups[i].1 += e.forwardNanoseconds
                    groups[i].2 += e.backwardNanoseconds
                } else {
                    groups.append((e.group, e.forwardNanoseconds, e.backwardNanoseconds))
                }
            }
            groups.sort { $0.1 + $0.2 > $1.1 + $1.2 }
            lines.append("by kind: " + groups.map { g in
                String(format: "%@ %.1f%%", g.0 as NSString, 100 * (ms(g.1) + ms(g.2)) / step)
            }.joined(separator: ", "))
            let rest = step - ms(forward) - ms(backward)
            lines.append(String(format: "all layers: forward %.1f ms + backward %.1f ms = %.1f%% of the step; loss, optimiser and the gaps between calls %.1f ms (%.1f%%)",
                                ms(forward), ms(backward), 100 * (ms(forward) + ms(backward)) / step, rest, 100 * rest / step))
        }
        return lines
    }
}
