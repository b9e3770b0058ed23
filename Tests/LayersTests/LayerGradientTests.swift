import XCTest
import TensorCore
import Stats
import Layers
import Models
import TestSupport

/// Finite-difference checks of every MLP layer against double-precision references
/// (tolerance: |analytic − numeric| ≤ 1e-4 + 1e-3·|numeric|, see `GradCheck`).
final class LayerGradientTests: XCTestCase {
    private func assertPassed(_ reports: [GradCheck.Report], file: StaticString = #filePath, line: UInt = #line) {
        for r in reports {
            XCTAssertTrue(r.passed, "\(r)", file: file, line: line)
        }
        XCTAssertFalse(reports.isEmpty, file: file, line: line)
    }

    func testLinear() {
        let b = ParameterBuilder()
        let layer = Linear("fc", 7, 5, builder: b)
        let store = b.finish()
        store.initialise(streams: RandomStreams(seed: 3))
        let shape = Shape(4, 7)
        _ = layer.prepare(input: shape)
        let reports = GradCheck.check(layer: layer, inputShape: shape, parameters: store.parameters, store: store) { x, p in
            ReferenceLayers.linear(x, weight: p["fc.weight"]!, bias: p["fc.bias"]!, inFeatures: 7, outFeatures: 5)
        }
        assertPassed(reports)
    }

    func testLinearWithoutBiasAndWithoutInputGradient() {
        let b = ParameterBuilder()
        let layer = Linear("fc", 6, 3, bias: false, builder: b)
        let store = b.finish()
        store.initialise(streams: RandomStreams(seed: 4))
        layer.computesInputGradient = false
        let shape = Shape(5, 6)
        _ = layer.prepare(input: shape)
        let reports = GradCheck.check(layer: layer, inputShape: shape, parameters: store.parameters, store: store) { x, p in
            ReferenceLayers.linear(x, weight: p["fc.weight"]!, bias: nil, inFeatures: 6, outFeatures: 3)
        }
        XCTAssertEqual(reports.map(\.tensor), ["output", "fc.weight"])
        assertPassed(reports)
    }

    func testReLUAwayFromTheKink() {
        let layer = ReLU()
        let shape = Shape(3, 10)
        _ = layer.prepare(input: shape)
        // Inputs at least 0.05 from 0, so central differences never straddle the kink.
        let rng = RandomStream(seed: 5)
        let x: [Float] = (0..<30).map { _ in let v = rng.uniform(0.05, 1); return rng.bernoulli(0.5) ? v : -v }
        let store = ParameterBuilder().finish()
        let reports = GradCheck.check(layer: layer, inputShape: shape, parameters: [], store: store, input: x) { x, _ in
            ReferenceLayers.relu(x)
        }
        assertPassed(reports)
    }

    func testBatchNorm1dAndBatchNorm2dInBatchStatisticsMode() {
        for spatial in [Shape(6, 4), Shape(3, 4, 2, 3)] {
            let b = ParameterBuilder()
            let layer = BatchNorm("bn", channels: 4, builder: b)
            let store = b.finish()
            store.initialise(streams: RandomStreams(seed: 6))
            // Non-trivial γ and β so their gradients and the scaling are exercised.
            let rng = RandomStream(seed: 7)
            for i in 0..<4 { layer.scale.value[i] = rng.uniform(0.5, 1.5); layer.shift.value[i] = rng.uniform(-0.5, 0.5) }
            _ = layer.prepare(input: spatial)
            let s = spatial.rowSize / 4
            let reports = GradCheck.check(layer: layer, inputShape: spatial, parameters: store.parameters, store: store) { x, p in
                ReferenceLayers.batchNorm(x, gamma: p["bn.weight"]!, beta: p["bn.bias"]!, channels: 4, spatial: s)
            }
            assertPassed(reports)
            XCTAssertEqual(layer.batchesTracked.value, 0, "frozenStatistics must not count batches")
            XCTAssertEqual(layer.runningMean.value.toArray(), [0, 0, 0, 0], "frozenStatistics must not move running statistics")
        }
    }

    /// BatchNorm with the fused ReLU (`relu(bn(x))`), 1d and 2d, with its own gradient buffer and
    /// writing the gradient over `dy` in place; inputs kept away from the ReLU's kink by the check's
    /// tolerance (a kink inside ±h would show as one out-of-tolerance entry).
    func testBatchNormWithFusedReLU() {
        for (spatial, inPlace) in [(Shape(8, 4), false), (Shape(3, 4, 3, 5), false), (Shape(3, 4, 3, 5), true)] {
            let b = ParameterBuilder()
            let layer = BatchNorm("bn", channels: 4, relu: true, builder: b)
            layer.gradientInPlace = inPlace
            let store = b.finish()
            store.initialise(streams: RandomStreams(seed: 16))
            let rng = RandomStream(seed: 17)
            for i in 0..<4 { layer.scale.value[i] = rng.uniform(0.5, 1.5); layer.shift.value[i] = rng.uniform(-0.5, 0.5) }
            _ = layer.prepare(input: spatial)
            let s = spatial.rowSize / 4
            let reports = GradCheck.check(layer: layer, inputShape: spatial, parameters: store.parameters, store: store, seed: 18) { x, p in
                ReferenceLayers.relu(ReferenceLayers.batchNorm(x, gamma: p["bn.weight"]!, beta: p["bn.bias"]!, channels: 4, spatial: s))
            }
            assertPassed(reports)
        }
    }

    func testBatchNormInferenceModeGradient() {
        let b = ParameterBuilder()
        let layer = BatchNorm("bn", channels: 3, builder: b)
        let store = b.finish()
        store.initialise(streams: RandomStreams(seed: 8))
        layer.runningMean.value.copy(from: [0.2, -0.1, 0.4])
        layer.runningVar.value.copy(from: [1.5, 0.7, 2.0])
        layer.scale.value.copy(from: [1.2, 0.8, -0.5])
        let shape = Shape(4, 3)
        _ = layer.prepare(input: shape)
        let reports = GradCheck.check(layer: layer, inputShape: shape, parameters: store.parameters, store: store, mode: .inference) { x, p in
            let rm = [0.2, -0.1, 0.4], rv = [1.5, 0.7, 2.0]
            return x.enumerated().map { i, v in
                let c = i % 3
                return p["bn.weight"]![c] * (v - rm[c]) / (rv[c] + 1e-5).squareRoot() + p["bn.bias"]![c]
            }
        }
        assertPassed(reports)
    }

    /// Running statistics follow PyTorch: momentum 0.1, unbiased variance, counter +1 per training batch.
    func testBatchNormRunningStatisticsMatchPyTorchRule() {
        let b = ParameterBuilder()
        let layer = BatchNorm("bn", channels: 2, builder: b)
        let store = b.finish()
        store.initialise(streams: RandomStreams(seed: 1))
        _ = layer.prepare(input: Shape(4, 2))
        let xs = TensorStorage(count: 8)
        let x = xs.tensor(Shape(4, 2))
        x.copy(from: [1, 10, 2, 20, 3, 30, 4, 40])
        _ = layer.forward(x, mode: .training)
        _ = layer.forward(x, mode: .training)
        // channel 0: mean 2.5, unbiased var 5/3; channel 1: mean 25, unbiased var 500/3
        let m = 1 - 0.9 * 0.9  // after two identical updates from 0: r = (1 − 0.9²)·s (+ 0.9²·initial)
        let rm = layer.runningMean.value.toArray(), rv = layer.runningVar.value.toArray()
        XCTAssertEqual(Double(rm[0]), 2.5 * m, accuracy: 1e-5)
        XCTAssertEqual(Double(rm[1]), 25 * m, accuracy: 1e-4)
        XCTAssertEqual(Double(rv[0]), 5.0 / 3 * m + 0.81, accuracy: 1e-5)
        XCTAssertEqual(Double(rv[1]), 500.0 / 3 * m + 0.81, accuracy: 1e-3)
        XCTAssertEqual(layer.batchesTracked.value, 2)
        // Inference uses them: y = (x − rm)/√(rv + ε)·γ + β
        let y = layer.forward(x, mode: .inference)
        XCTAssertEqual(Double(y[0]), (1 - Double(rm[0])) / (Double(rv[0]) + 1e-5).squareRoot(), accuracy: 1e-5)
    }

    func testFlattenIsAViewBothWays() {
        let layer = Flatten()
        let out = layer.prepare(input: Shape(2, 3, 4, 5))
        XCTAssertEqual(out, Shape(2, 60))
        let s = TensorStorage(count: 120)
        let x = s.tensor(Shape(2, 3, 4, 5))
        let y = layer.forward(x, mode: .training)
        XCTAssertEqual(y.pointer, x.pointer)
        XCTAssertEqual(layer.backward(y).shape, Shape(2, 3, 4, 5))
    }

    func testSoftmaxCrossEntropyGradient() {
        let (n, k) = (5, 4)
        let loss = SoftmaxCrossEntropy(classes: k)
        loss.prepare(batch: n)
        let rng = RandomStream(seed: 9)
        let logits = (0..<(n * k)).map { _ in rng.uniform(-3, 3) }
        let labels: [Int32] = [0, 3, 1, 1, 2]
        let ls = TensorStorage(count: n * k)
        let t = ls.tensor(Shape(n, k))
        t.copy(from: logits)
        let (value, _) = labels.withUnsafeBufferPointer { loss.forward(logits: t, labels: $0.baseAddress!) }
        let ref = ReferenceLayers.crossEntropy(logits.map(Double.init), labels: labels, classes: k)
        XCTAssertEqual(value, ref, accuracy: 1e-5)
        let g = labels.withUnsafeBufferPointer { _ in loss.backward().toArray() }
        let h = 1e-5
        var worst = 0.0
        for i in 0..<(n * k) {
            var a = logits.map(Double.init), b = a
            a[i] += h; b[i] -= h
            let num = (ReferenceLayers.crossEntropy(a, labels: labels, classes: k) - ReferenceLayers.crossEntropy(b, labels: labels, classes: k)) / (2 * h)
            worst = max(worst, abs(num - Double(g[i])))
        }
        XCTAssertLessThan(worst, 1e-5, "largest error of dlogits \(worst)")
    }

    /// The whole LeNet-style MLP (with BatchNorm) against a composed double-precision reference.
    func testWholeMLP() throws {
        let net = try ModelRegistry.make("mlp", sampleShape: Shape(1, 3, 4), classes: 3,
                                         options: ModelOptions(hidden: [6, 5], batchNorm: true))
        net.store.initialise(streams: RandomStreams(seed: 10))
        net.body.computesInputGradient = true
        net.prepare(batch: 4)
        let names = net.store.parameters.map(\.name)
        XCTAssertEqual(names, ["fc1.weight", "fc1.bias", "bn1.weight", "bn1.bias", "fc2.weight", "fc2.bias",
                               "bn2.weight", "bn2.bias", "fc3.weight", "fc3.bias"])
        let reports = GradCheck.check(layer: net.body, inputShape: Shape(4, 1, 3, 4), parameters: net.store.parameters,
                                      store: net.store, maxEntries: 25) { x, p in
            var h = ReferenceLayers.linear(x, weight: p["fc1.weight"]!, bias: p["fc1.bias"]!, inFeatures: 12, outFeatures: 6)
            h = ReferenceLayers.relu(ReferenceLayers.batchNorm(h, gamma: p["bn1.weight"]!, beta: p["bn1.bias"]!, channels: 6, spatial: 1))
            h = ReferenceLayers.linear(h, weight: p["fc2.weight"]!, bias: p["fc2.bias"]!, inFeatures: 6, outFeatures: 5)
            h = ReferenceLayers.relu(ReferenceLayers.batchNorm(h, gamma: p["bn2.weight"]!, beta: p["bn2.bias"]!, channels: 5, spatial: 1))
            return ReferenceLayers.linear(h, weight: p["fc3.weight"]!, bias: p["fc3.bias"]!, inFeatures: 5, outFeatures: 3)
        }
        assertPassed(reports)
    }

    /// LeNet-300-100: PyTorch names, [out, in] layouts and 266 610 parameters.
    func testLeNet300100Layout() throws {
        let net = try ModelRegistry.make("mlp", sampleShape: Shape(1, 28, 28), classes: 10)
        XCTAssertEqual(net.store.shapes.map(\.name), ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"])
        XCTAssertEqual(net.store.shapes.map(\.shape), [[300, 784], [300], [100, 300], [100], [10, 100], [10]])
        XCTAssertEqual(net.parameterCount, 266_610)
        // PyTorch default init: every entry of fc1.weight within ±1/√784, and not all equal.
        net.store.initialise(streams: RandomStreams(seed: 1))
        let w = net.store.parameter(named: "fc1.weight")!.value.toArray()
        XCTAssertLessThanOrEqual(w.map(abs).max()!, 1 / 28)
        XCTAssertGreaterThan(w.map(abs).max()!, 0.9 / 28)
        XCTAssertThrowsError(try ModelRegistry.make("nope", sampleShape: Shape(1), classes: 2)) { e in
            XCTAssertTrue("\(e)".contains("valid models: mlp"), "\(e)")
        }
    }
}
