import XCTest
import TensorCore
import Stats
import Layers
import Models
import TestSupport

/// The activation dropout layer: its statistics, its gradient with the mask held fixed, the
/// identity outside training, masks as pure functions of (seed, layer, step), and its placement
/// by `--dropout`.
final class DropoutTests: XCTestCase {
    override func setUp() { Parallel.setThreads(2) }

    /// Runs a training forward of `layer` on `values` (shape `[rows, count/rows]`) at step `step`.
    private func forward(_ layer: Dropout, _ values: [Float], rows: Int = 1, seed: UInt64 = 1, step: Int = 0) -> [Float] {
        let shape = Shape(rows, values.count / rows)
        _ = layer.prepare(input: shape)
        let xs = TensorStorage(count: values.count)
        let x = xs.tensor(shape)
        x.copy(from: values)
        layer.beginStep(streams: RandomStreams(seed: seed), iteration: step)
        return layer.forward(x, mode: .training).toArray()
    }

    /// p = 0.5 on 200 000 ones: the share dropped is 0.5 within 0.005 (the binomial standard
    /// deviation is 0.0011, so this is a 4.5σ band), every kept value is exactly 2, and the mean
    /// output is 1 within 0.01 (inverted scaling keeps the expectation). p = 0.2: kept values are
    /// 1.25 and the share dropped is 0.2 within 0.005.
    func testShareDroppedAndInvertedScaling() {
        for (p, scale) in [(0.5, Float(2)), (0.2, Float(1.25))] {
            let n = 200_000
            let y = forward(Dropout(probability: p), Array(repeating: 1, count: n), rows: 100)
            let dropped = y.filter { $0 == 0 }.count
            XCTAssertEqual(Double(dropped) / Double(n), p, accuracy: 0.005, "p = \(p)")
            XCTAssertTrue(y.allSatisfy { $0 == 0 || $0 == scale }, "p = \(p): kept values must be 1/(1−p) = \(scale)")
            XCTAssertEqual(Double(y.reduce(0, +)) / Double(n), 1, accuracy: 0.01, "p = \(p)")
        }
    }

    /// The finite-difference check (Double reference `x ⊙ m` with the mask of the checked forward
    /// held fixed): dx = dy ⊙ m, and the forward equals the reference.
    func testGradientWithTheMaskHeldFixed() {
        let layer = Dropout(probability: 0.3)
        let shape = Shape(4, 15)
        _ = layer.prepare(input: shape)
        layer.beginStep(streams: RandomStreams(seed: 5), iteration: 17)
        let store = ParameterBuilder().finish()
        let reports = GradCheck.check(layer: layer, inputShape: shape, parameters: [], store: store, mode: .training) { x, _ in
            let m = layer.lastMask(shape).map(Double.init)
            return zip(x, m).map { $0 * $1 }
        }
        XCTAssertEqual(reports.map(\.tensor), ["output", "input"])
        for r in reports { XCTAssertTrue(r.passed, "\(r)") }
        let m = layer.lastMask(shape)
        XCTAssertTrue(m.contains(0) && m.contains(Float(1 / 0.7)), "the checked mask drops some and keeps some: \(m)")
    }

    /// Evaluation (`.inference`) and the inner passes (`.frozenStatistics`) leave activations and
    /// gradients untouched, whatever the probability.
    func testIdentityOutsideTraining() {
        let layer = Dropout(probability: 0.9)
        let shape = Shape(2, 50)
        _ = layer.prepare(input: shape)
        let xs = TensorStorage(count: 100), gs = TensorStorage(count: 100)
        let x = xs.tensor(shape), g = gs.tensor(shape)
        let values = (0..<100).map { Float($0) - 49.5 }
        x.copy(from: values)
        g.copy(from: values.reversed())
        for mode in [ForwardMode.inference, .frozenStatistics] {
            XCTAssertEqual(layer.forward(x, mode: mode).toArray(), values, "\(mode)")
            XCTAssertEqual(layer.backward(g).toArray(), Array(values.reversed()), "\(mode)")
        }
        // …and the same layer does drop in training.
        XCTAssertGreaterThan(layer.forward(x, mode: .training).toArray().filter { $0 == 0 }.count, 50)
    }

    /// The mask is a function of (seed, layer index, step) only: repeated forwards of one step
    /// agree (bit for bit), and another step, seed or layer gives another mask.
    func testMasksArePureFunctionsOfSeedLayerAndStep() throws {
        let ones = [Float](repeating: 1, count: 256)
        let a = Dropout(probability: 0.5)
        let first = forward(a, ones, seed: 1, step: 3)
        XCTAssertEqual(forward(a, ones, seed: 1, step: 3), first, "the same step redraws the same mask")
        XCTAssertEqual(forward(Dropout(probability: 0.5), ones, seed: 1, step: 3), first, "a new layer (a resumed run) draws it too")
        XCTAssertNotEqual(forward(a, ones, seed: 1, step: 4), first)
        XCTAssertNotEqual(forward(a, ones, seed: 2, step: 3), first)

        // Inside a network the layers are numbered in forward order, and differ.
        let net = try ModelRegistry.make("mlp", sampleShape: Shape(16), classes: 2, options: ModelOptions(hidden: [256, 256], dropout: 0.5))
        XCTAssertEqual(net.dropoutLayers.map(\.index), [0, 1])
        net.store.initialise(streams: RandomStreams(seed: 1))
        net.prepare(batch: 1)
        net.beginStep(seed: 1, iteration: 3)
        let xs = TensorStorage(count: 16)
        xs.tensor(Shape(1, 16)).fill(1)
        _ = net.forward(xs.tensor(Shape(1, 16)), mode: .training)
        let m0 = net.dropoutLayers[0].lastMask(Shape(1, 256)), m1 = net.dropoutLayers[1].lastMask(Shape(1, 256))
        XCTAssertNotEqual(m0, m1, "each layer has its own stream")
        XCTAssertEqual(m0.map { $0 == 0 }, first.map { $0 == 0 }, "layer 0 of step 3, seed 1 is the stream of a lone layer 0")
    }

    /// `--dropout p` places a layer after each hidden ReLU of the MLP and after fc1's and fc2's
    /// ReLUs in Conv-2/4/6, and none at 0 or by default (same layers and names as before the
    /// option existed); AlexNet has two in its classifier by default and none at 0, with
    /// unchanged names. Models that do not place dropout refuse the option.
    func testPlacement() throws {
        func dropouts(_ name: String, _ shape: Shape, _ o: ModelOptions) throws -> [Double] {
            try ModelRegistry.make(name, sampleShape: shape, classes: 10, options: o).dropoutLayers.map(\.probability)
        }
        let mnist = Shape(1, 28, 28), cifar = Shape(3, 32, 32)
        XCTAssertEqual(try dropouts("mlp", mnist, ModelOptions(hidden: [64, 64], dropout: 0.25)), [0.25, 0.25])
        XCTAssertEqual(try dropouts("mlp", mnist, ModelOptions(hidden: [64, 64, 32], dropout: 0.5)), [0.5, 0.5, 0.5])
        XCTAssertEqual(try dropouts("mlp", mnist, ModelOptions(hidden: [64, 64], dropout: 0)), [])
        XCTAssertEqual(try dropouts("mlp", mnist, ModelOptions()), [])
        for conv in ["conv2", "conv4", "conv6"] {
            XCTAssertEqual(try dropouts(conv, cifar, ModelOptions(width: 8, dropout: 0.5)), [0.5, 0.5], conv)
            XCTAssertEqual(try dropouts(conv, cifar, ModelOptions(width: 8)), [], conv)
        }
        XCTAssertEqual(try dropouts("alexnet", cifar, ModelOptions(width: 8)), [0.5, 0.5])
        XCTAssertEqual(try dropouts("alexnet", cifar, ModelOptions(width: 8, dropout: 0)), [])
        let named = try ModelRegistry.make("conv2", sampleShape: cifar, classes: 10, options: ModelOptions(width: 8, dropout: 0.5))
        let plain = try ModelRegistry.make("conv2", sampleShape: cifar, classes: 10, options: ModelOptions(width: 8))
        XCTAssertEqual(named.store.shapes.map(\.name), plain.store.shapes.map(\.name))
        XCTAssertEqual(named.name, "conv2(width: 8, dropout: 0.5)")
        XCTAssertEqual(plain.name, "conv2(width: 8)")
        let mlp = try ModelRegistry.make("mlp", sampleShape: mnist, classes: 10, options: ModelOptions(dropout: 0))
        XCTAssertEqual(mlp.name, "mlp", "--dropout 0 is the model of before the option")
        XCTAssertEqual((mlp.body as? Sequential)?.layers.count, 6, "flatten, (fc, relu)×2, fc: no dropout layer")
        for name in ["lenet5", "vgg11", "resnet18", "resnet34"] {
            XCTAssertThrowsError(try ModelRegistry.make(name, sampleShape: cifar, classes: 10, options: ModelOptions(width: name == "lenet5" ? nil : 8, dropout: 0.5))) {
                XCTAssertTrue("\($0)".contains("does not place dropout"), "\($0)")
            }
            XCTAssertNoThrow(try ModelRegistry.make(name, sampleShape: cifar, classes: 10, options: ModelOptions(width: name == "lenet5" ? nil : 8, dropout: 0)))
        }
    }

    /// An option the model would ignore is refused, naming the flag and the models that read it,
    /// so that two configs of the same network cannot differ in a setting that did nothing.
    func testOptionsAModelDoesNotReadAreRefused() throws {
        let cifar = Shape(3, 32, 32), mnist = Shape(1, 28, 28)
        func message(_ name: String, _ shape: Shape, _ options: ModelOptions) -> String {
            do { _ = try ModelRegistry.make(name, sampleShape: shape, classes: 10, options: options); return "" } catch { return "\(error)" }
        }
        XCTAssertTrue(message("lenet5", mnist, ModelOptions(hidden: [50])).contains("does not use --hidden (got 50)"))
        XCTAssertTrue(message("lenet5", cifar, ModelOptions(width: 8)).contains("does not use --width"))
        XCTAssertTrue(message("mlp", mnist, ModelOptions(width: 8)).contains("does not use --width"))
        XCTAssertTrue(message("resnet18", cifar, ModelOptions(width: 4, batchNorm: true)).contains("--batch-norm"))
        XCTAssertTrue(message("alexnet", cifar, ModelOptions(hidden: [64], width: 4)).contains("the models that do: mlp, conv2, conv4, conv6"))
        XCTAssertTrue(message("vgg11", cifar, ModelOptions(hidden: [64], width: 8)).contains("--hidden"))
        XCTAssertTrue(message("conv2", cifar, ModelOptions(width: 8, batchNorm: false)).contains("--batch-norm"))
        // A setting applied to every model (masklab models --width, a benchmark's width) is dropped where unread.
        XCTAssertNil(ModelRegistry.applicable(ModelOptions(width: 16), to: "mlp").width)
        XCTAssertNil(ModelRegistry.applicable(ModelOptions(width: 16), to: "lenet5").width)
        XCTAssertEqual(ModelRegistry.applicable(ModelOptions(width: 16), to: "resnet18").width, 16)
        XCTAssertNoThrow(try ModelRegistry.make("lenet5", sampleShape: cifar, classes: 10, options: ModelRegistry.applicable(ModelOptions(width: 16), to: "lenet5")))
        // What a model reads is still accepted.
        XCTAssertEqual(message("conv2", cifar, ModelOptions(hidden: [32, 32], width: 8)), "")
        XCTAssertEqual(message("mlp", mnist, ModelOptions(hidden: [16], batchNorm: true)), "")
    }
}
