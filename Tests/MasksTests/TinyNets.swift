import Foundation
import TensorCore
import Stats
import Layers
import Importance

/// Hand-set linear networks and batches for the pruning-criterion tests, with the reference
/// quantities of a linear softmax model computed in double.
enum TinyNets {
    /// `fc` (`[classes, inputs]`, with bias): logits = W x + b.
    static func linear(inputs: Int, classes: Int) -> Network {
        let b = ParameterBuilder()
        let fc = Linear("fc", inputs, classes, builder: b)
        return Network(name: "linear", body: Sequential([fc]), store: b.finish(), sampleShape: Shape(inputs), classes: classes)
    }

    /// fc1 (`[hidden, inputs]`) then fc2 (`[classes, hidden]`), with biases, no nonlinearity.
    static func twoLayer(inputs: Int, hidden: Int, classes: Int, relu: Bool = false) -> Network {
        let b = ParameterBuilder()
        let fc1 = Linear("fc1", inputs, hidden, builder: b)
        let fc2 = Linear("fc2", hidden, classes, builder: b)
        let layers: [Layer] = relu ? [fc1, ReLU(), fc2] : [fc1, fc2]
        return Network(name: "two-layer", body: Sequential(layers), store: b.finish(), sampleShape: Shape(inputs), classes: classes)
    }

    /// Seeded weights in [−1, 1].
    static func initialise(_ net: Network, seed: UInt64) {
        let rng = RandomStream(seed: seed)
        for p in net.store.parameters { p.value.copy(from: (0..<p.shape.count).map { _ in rng.uniform(-1, 1) }) }
    }

    /// `count` batches of `size` Gaussian samples with labels, from `seed`; `zeroFeature` stays 0.
    static func batches(_ net: Network, count: Int, size: Int, seed: UInt64, zeroFeature: Int? = nil) -> (SolverBatches, [[Double]], [Int]) {
        let d = net.sampleShape.count
        let rng = RandomStream(seed: seed)
        let batches = SolverBatches(dataset: nil, capacity: count, batchSize: size, sampleShape: net.sampleShape, seed: 0)
        let storage = TensorStorage(count: size * d)
        var xs: [[Double]] = [], ys: [Int] = []
        for _ in 0..<count {
            var labels = [Int32]()
            for s in 0..<size {
                var x = (0..<d).map { _ in Float(rng.gaussian()) }
                if let z = zeroFeature { x[z] = 0 }
                for i in 0..<d { storage.base[s * d + i] = x[i] }
                let y = rng.integer(below: net.classes)
                labels.append(Int32(y))
                xs.append(x.map(Double.init))
                ys.append(y)
            }
            labels.withUnsafeMutableBufferPointer { batches.append(inputs: storage.tensor(Shape([size] + net.sampleShape.dims)), labels: $0.baseAddress!, count: size) }
        }
        net.prepare(batch: size)
        return (batches, xs, ys)
    }

    /// Softmax of W x + b over temperature `t`, in double (W row-major `[classes, inputs]`).
    static func probabilities(_ w: [Float], _ b: [Float], x: [Double], classes: Int, t: Double) -> [Double] {
        let d = x.count
        let z = (0..<classes).map { a in ((0..<d).reduce(Double(b[a])) { $0 + Double(w[a * d + $1]) * x[$1] }) / t }
        let m = z.max()!
        let e = z.map { Foundation.exp($0 - m) }
        let s = e.reduce(0, +)
        return e.map { $0 / s }
    }

    /// ∂L/∂W of the mean cross-entropy over `samples` (indices into xs/ys), temperature `t`.
    static func gradient(_ w: [Float], _ b: [Float], xs: [[Double]], ys: [Int], samples: Range<Int>, classes: Int, t: Double) -> [Double] {
        let d = xs[0].count
        var g = [Double](repeating: 0, count: classes * d)
        for n in samples {
            let p = probabilities(w, b, x: xs[n], classes: classes, t: t)
            for a in 0..<classes {
                let r = (p[a] - (ys[n] == a ? 1 : 0)) / t
                for i in 0..<d { g[a * d + i] += r * xs[n][i] / Double(samples.count) }
            }
        }
        return g
    }

    /// The dense Hessian of the mean cross-entropy with respect to W, `[C·D, C·D]`:
    /// H[(a,i),(c,j)] = mean_n (δ_ac p_a − p_a p_c) x_i x_j / t².
    static func hessian(_ w: [Float], _ b: [Float], xs: [[Double]], samples: Range<Int>, classes: Int, t: Double) -> [[Double]] {
        let d = xs[0].count, k = classes * d
        var h = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
        for n in samples {
            let p = probabilities(w, b, x: xs[n], classes: classes, t: t)
            for a in 0..<classes {
                for c in 0..<classes {
                    let s = ((a == c ? p[a] : 0) - p[a] * p[c]) / (t * t * Double(samples.count))
                    for i in 0..<d { for j in 0..<d { h[a * d + i][c * d + j] += s * xs[n][i] * xs[n][j] } }
                }
            }
        }
        return h
    }
}
