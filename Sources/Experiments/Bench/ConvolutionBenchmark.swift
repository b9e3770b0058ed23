import Foundation
import Stats
import TensorCore

/// Times one 3×3 stride-1 Winograd F(2×2, 3×3) convolution's training passes two ways in the
/// same process, round by round: with `FusedWinograd` (one AVX-512 pass per block of 16 tiles)
/// and with the chunked path (whole-chunk transforms and 16 GEMMs), their order alternating, so
/// the kernel's gain is a ratio taken milliseconds, not sessions, apart. `masklab bench
/// --convolutions` runs it.
public enum ConvolutionBenchmark {
    /// One layer: `channels → outChannels`, `height × width` images, padding 1.
    public struct Layer: Codable, Sendable, Equatable {
        public let channels: Int, outChannels: Int, height: Int, width: Int
        /// A layer of `channels → outChannels` on `height × width` maps.
        public init(channels: Int, outChannels: Int, height: Int, width: Int) {
            self.channels = channels
            self.outChannels = outChannels
            self.height = height
            self.width = width
        }
        /// "16→16 32×32".
        public var label: String { "\(channels)→\(outChannels) \(height)×\(width)" }
    }

    /// The layers measured by default: ResNet-18 width 16's 3×3 stride-1 layers of every stage
    /// (16→16 at 32×32, 32→32 at 16×16, 64→64 at 8×8, 128→128 at 4×4), and two shapes the kernel
    /// also runs (16→32 at 16×16, 32→32 at 32×32, as width 32 would have).
    public static let defaultLayers = [
        Layer(channels: 16, outChannels: 16, height: 32, width: 32),
        Layer(channels: 32, outChannels: 32, height: 16, width: 16),
        Layer(channels: 16, outChannels: 32, height: 16, width: 16),
        Layer(channels: 32, outChannels: 32, height: 32, width: 32),
        Layer(channels: 64, outChannels: 64, height: 8, width: 8),
        Layer(channels: 128, outChannels: 128, height: 4, width: 4),
    ]

    /// Medians (milliseconds per batch) of one path.
    public struct Times: Codable, Sendable, Equatable {
        /// The forward with bias.
        public let forward: Double
        /// The backward computing the weight and bias gradients only (a first layer's backward).
        public let weightGradient: Double
        /// The backward computing the weight, bias and input gradients.
        public let backward: Double
    }

    /// One layer's figures.
    public struct Row: Codable, Sendable, Equatable {
        public let layer: Layer
        /// Images per pass, `Parallel.threads` while measuring, and measured rounds (the medians' sample size).
        public let batch: Int, threads: Int, rounds: Int
        /// The fused kernel's medians (nil where this CPU has no AVX-512F or the shape does not fit).
        public let fused: Times?
        public let chunked: Times
        /// Direct-convolution GFLOP of one forward as PyTorch counts them: 2 · N·O·H·W·C·9.
        public let forwardGFLOP: Double
    }

    /// Measures `layers` at `batch` images on the current `Parallel.threads`: per round, each path
    /// runs one forward, one weight-gradient backward and one full backward, timed separately
    /// (the fused path first in even rounds, second in odd ones), after `warmup` untimed rounds;
    /// medians over `rounds`. Inputs are seeded uniform values.
    public static func run(layers: [Layer], batch: Int, rounds: Int, warmup: Int = 1, seed: UInt64 = 0) -> [Row] {
        precondition(batch >= 1 && rounds >= 1 && warmup >= 0, "convolution bench: batch \(batch), rounds \(rounds), warm-up \(warmup)")
        return layers.map { measure($0, batch: batch, rounds: rounds, warmup: warmup, seed: seed) }
    }

    private static func measure(_ layer: Layer, batch n: Int, rounds: Int, warmup: Int, seed: UInt64) -> Row {
        let c = layer.channels, o = layer.outChannels, h = layer.height, w = layer.width
        let rng = RandomStream(seed: seed)
        // `TensorStorage`: zeroed and 64-byte aligned, as a layer's buffers and workspace are.
        func uniform(_ count: Int, bound: Float) -> TensorStorage {
            let t = TensorStorage(count: count)
            for i in 0..<count { t.base[i] = rng.uniform(-bound, bound) }
            return t
        }
        let bound = 1 / Float(9 * c).squareRoot()
        let x = uniform(n * c * h * w, bound: 1), dy = uniform(n * o * h * w, bound: 1)
        let weight = uniform(o * c * 9, bound: bound), bias = uniform(o, bound: bound)
        let y = TensorStorage(count: n * o * h * w), dx = TensorStorage(count: n * c * h * w)
        let dw = TensorStorage(count: o * c * 9), db = TensorStorage(count: o)
        let budget = 2 << 20 / MemoryLayout<Float>.size   // `ConvolutionWorkspace`'s default
        func plan(fused: Bool) -> Winograd.Plan {
            Winograd.Plan(channels: c, outChannels: o, height: h, width: w, batch: n, threads: Parallel.threads,
                          budget: budget, fused: fused)
        }
        let fits = FusedWinograd.available && FusedWinograd.fits(channels: c, outChannels: o, height: h, width: w)
        let plans = (fits ? [plan(fused: true)] : []) + [plan(fused: false)]
        let workspaces = plans.map { TensorStorage(count: $0.workspaceCount) }
        func milliseconds(_ body: () -> Void) -> Double {
            let t0 = DispatchTime.now().uptimeNanoseconds
            body()
            return Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-6
        }
        var times = Array(repeating: [[Double]](repeating: [], count: 3), count: plans.count)
        for round in 0..<(warmup + rounds) {
            for i in round % 2 == 0 ? Array(plans.indices) : plans.indices.reversed() {
                let p = plans[i], s = workspaces[i].base
                let f = milliseconds { Winograd.forward(x.base, weight: weight.base, bias: bias.base, plan: p, batch: n, workspace: s, into: y.base) }
                let g = milliseconds { Winograd.backward(x.base, gradOutput: dy.base, weight: weight.base, weightGrad: dw.base, biasGrad: db.base,
                                                         plan: p, batch: n, workspace: s, gradInput: nil) }
                let b = milliseconds { Winograd.backward(x.base, gradOutput: dy.base, weight: weight.base, weightGrad: dw.base, biasGrad: db.base,
                                                         plan: p, batch: n, workspace: s, gradInput: dx.base) }
                if round >= warmup { times[i][0].append(f); times[i][1].append(g); times[i][2].append(b) }
            }
        }
        let medians = times.map { Times(forward: Benchmark.median($0[0]), weightGradient: Benchmark.median($0[1]), backward: Benchmark.median($0[2])) }
        return Row(layer: layer, batch: n, threads: Parallel.threads, rounds: rounds, fused: fits ? medians[0] : nil,
                   chunked: medians[medians.count - 1], forwardGFLOP: 2e-9 * Double(n * o * h * w * c * 9))
    }

    /// The rows as a text table: per pass the fused and chunked milliseconds and their ratio,
    /// and each layer's direct-convolution GFLOP per forward.
    public static func table(_ rows: [Row]) -> String {
        func cell(_ v: Double?) -> String { pad(v.map { String(format: "%.2f", $0) } ?? "–", 8) }
        func gain(_ fused: Double?, _ chunked: Double) -> String { pad(fused.map { String(format: "%.2f×", chunked / $0) } ?? "–", 7) }
        func group(_ title: String) -> String { pad(title, 25) }
        var lines = ["layer (batch, threads)".padding(toLength: 24, withPad: " ", startingAt: 0) + pad("GFLOP", 7) + " | " + group("forward ms") + " | " + group("dW only ms")
                     + " | " + group("dW + dx ms"),
                     pad("", 31) + String(repeating: " | " + pad("fused", 8) + " " + pad("chunked", 8) + " " + pad("gain", 7), count: 3)]
        for r in rows {
            var line = "\(r.layer.label) (\(r.batch), \(r.threads))".padding(toLength: 24, withPad: " ", startingAt: 0) + pad(String(format: "%.3f", r.forwardGFLOP), 7)
            for (f, c) in [(r.fused?.forward, r.chunked.forward), (r.fused?.weightGradient, r.chunked.weightGradient),
                           (r.fused?.backward, r.chunked.backward)] {
                line += " | " + cell(f) + " " + cell(c) + " " + gain(f, c)
            }
            lines.append(line)
        }
        lines.append("milliseconds per batch, medians of \(rows.first?.rounds ?? 0) rounds; gain = chunked ÷ fused; GFLOP: one forward, direct convolution"
                     + (FusedWinograd.available ? "" : "; this CPU has no AVX-512F, so only the chunked path is measured"))
        return lines.joined(separator: "\n")
    }

    /// `text` right-aligned in `width` characters (counted as Swift characters, so "×" and "→" are one).
    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }
}
