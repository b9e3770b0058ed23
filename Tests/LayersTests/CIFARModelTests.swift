import XCTest
import TensorCore
import Stats
import Layers
import Models
import TestSupport

/// ResNet-34 and AlexNet: PyTorch names, shapes and parameter counts (literal lists), and a
/// finite-difference check of a narrow instance of each against a Double reference.
final class CIFARModelTests: XCTestCase {
    override func setUp() { Parallel.setThreads(2) }

    /// The `state_dict` of kuangliu/pytorch-cifar's `ResNet34()` (10 classes), in PyTorch's order:
    /// 110 parameters, 72 running statistics, 36 `num_batches_tracked` counters. (Written out by
    /// a separate transcription of kuangliu's `ResNet`/`BasicBlock`, not by the Swift builder.)
    static let resnet34StateDict: [(String, [Int])] = [
        ("conv1.weight", [64, 3, 3, 3]),
        ("bn1.weight", [64]),
        ("bn1.bias", [64]),
        ("bn1.running_mean", [64]),
        ("bn1.running_var", [64]),
        ("bn1.num_batches_tracked", []),
        ("layer1.0.conv1.weight", [64, 64, 3, 3]),
        ("layer1.0.bn1.weight", [64]),
        ("layer1.0.bn1.bias", [64]),
        ("layer1.0.bn1.running_mean", [64]),
        ("layer1.0.bn1.running_var", [64]),
        ("layer1.0.bn1.num_batches_tracked", []),
        ("layer1.0.conv2.weight", [64, 64, 3, 3]),
        ("layer1.0.bn2.weight", [64]),
        ("layer1.0.bn2.bias", [64]),
        ("layer1.0.bn2.running_mean", [64]),
        ("layer1.0.bn2.running_var", [64]),
        ("layer1.0.bn2.num_batches_tracked", []),
        ("layer1.1.conv1.weight", [64, 64, 3, 3]),
        ("layer1.1.bn1.weight", [64]),
        ("layer1.1.bn1.bias", [64]),
        ("layer1.1.bn1.running_mean", [64]),
        ("layer1.1.bn1.running_var", [64]),
        ("layer1.1.bn1.num_batches_tracked", []),
        ("layer1.1.conv2.weight", [64, 64, 3, 3]),
        ("layer1.1.bn2.weight", [64]),
        ("layer1.1.bn2.bias", [64]),
        ("layer1.1.bn2.running_mean", [64]),
        ("layer1.1.bn2.running_var", [64]),
        ("layer1.1.bn2.num_batches_tracked", []),
        ("layer1.2.conv1.weight", [64, 64, 3, 3]),
        ("layer1.2.bn1.weight", [64]),
        ("layer1.2.bn1.bias", [64]),
        ("layer1.2.bn1.running_mean", [64]),
        ("layer1.2.bn1.running_var", [64]),
        ("layer1.2.bn1.num_batches_tracked", []),
        ("layer1.2.conv2.weight", [64, 64, 3, 3]),
        ("layer1.2.bn2.weight", [64]),
        ("layer1.2.bn2.bias", [64]),
        ("layer1.2.bn2.running_mean", [64]),
        ("layer1.2.bn2.running_var", [64]),
        ("layer1.2.bn2.num_batches_tracked", []),
        ("layer2.0.conv1.weight", [128, 64, 3, 3]),
        ("layer2.0.bn1.weight", [128]),
        ("layer2.0.bn1.bias", [128]),
        ("layer2.0.bn1.running_mean", [128]),
        ("layer2.0.bn1.running_var", [128]),
        ("layer2.0.bn1.num_batches_tracked", []),
        ("layer2.0.conv2.weight", [128, 128, 3, 3]),
        ("layer2.0.bn2.weight", [128]),
        ("layer2.0.bn2.bias", [128]),
        ("layer2.0.bn2.running_mean", [128]),
        ("layer2.0.bn2.running_var", [128]),
        ("layer2.0.bn2.num_batches_tracked", []),
        ("layer2.0.shortcut.0.weight", [128, 64, 1, 1]),
        ("layer2.0.shortcut.1.weight", [128]),
        ("layer2.0.shortcut.1.bias", [128]),
        ("layer2.0.shortcut.1.running_mean", [128]),
        ("layer2.0.shortcut.1.running_var", [128]),
        ("layer2.0.shortcut.1.num_batches_tracked", []),
        ("layer2.1.conv1.weight", [128, 128, 3, 3]),
        ("layer2.1.bn1.weight", [128]),
        ("layer2.1.bn1.bias", [128]),
        ("layer2.1.bn1.running_mean", [128]),
        ("layer2.1.bn1.running_var", [128]),
        ("layer2.1.bn1.num_batches_tracked", []),
        ("layer2.1.conv2.weight", [128, 128, 3, 3]),
        ("layer2.1.bn2.weight", [128]),
        ("layer2.1.bn2.bias", [128]),
        ("layer2.1.bn2.running_mean", [128]),
        ("layer2.1.bn2.running_var", [128]),
        ("layer2.1.bn2.num_batches_tracked", []),
        ("layer2.2.conv1.weight", [128, 128, 3, 3]),
        ("layer2.2.bn1.weight", [128]),
        ("layer2.2.bn1.bias", [128]),
        ("layer2.2.bn1.running_mean", [128]),
        ("layer2.2.bn1.running_var", [128]),
        ("layer2.2.bn1.num_batches_tracked", []),
        ("layer2.2.conv2.weight", [128, 128, 3, 3]),
        ("layer2.2.bn2.weight", [128]),
        ("layer2.2.bn2.bias", [128]),
        ("layer2.2.bn2.running_mean", [128]),
        ("layer2.2.bn2.running_var", [128]),
        ("layer2.2.bn2.num_batches_tracked", []),
        ("layer2.3.conv1.weight", [128, 128, 3, 3]),
        ("layer2.3.bn1.weight", [128]),
        ("layer2.3.bn1.bias", [128]),
        ("layer2.3.bn1.running_mean", [128]),
        ("layer2.3.bn1.running_var", [128]),
        ("layer2.3.bn1.num_batches_tracked", []),
        ("layer2.3.conv2.weight", [128, 128, 3, 3]),
        ("layer2.3.bn2.weight", [128]),
        ("layer2.3.bn2.bias", [128]),
        ("layer2.3.bn2.running_mean", [128]),
        ("layer2.3.bn2.running_var", [128]),
        ("layer2.3.bn2.num_batches_tracked", []),
        ("layer3.0.conv1.weight", [256, 128, 3, 3]),
        ("layer3.0.bn1.weight", [256]),
        ("layer3.0.bn1.bias", [256]),
        ("layer3.0.bn1.running_mean", [256]),
        ("layer3.0.bn1.running_var", [256]),
        ("layer3.0.bn1.num_batches_tracked", []),
        ("layer3.0.conv2.weight", [256, 256, 3, 3]),
        ("layer3.0.bn2.weight", [256]),
        ("layer3.0.bn2.bias", [256]),
        ("layer3.0.bn2.running_mean", [256]),
        ("layer3.0.bn2.running_var", [256]),
        ("layer3.0.bn2.num_batches_tracked", []),
        ("layer3.0.shortcut.0.weight", [256, 128, 1, 1]),
        ("layer3.0.shortcut.1.weight", [256]),
        ("layer3.0.shortcut.1.bias", [256]),
        ("layer3.0.shortcut.1.running_mean", [256]),
        ("layer3.0.shortcut.1.running_var", [256]),
        ("layer3.0.shortcut.1.num_batches_tracked", []),
        ("layer3.1.conv1.weight", [256, 256, 3, 3]),
        ("layer3.1.bn1.weight", [256]),
        ("layer3.1.bn1.bias", [256]),
        ("layer3.1.bn1.running_mean", [256]),
        ("layer3.1.bn1.running_var", [256]),
        ("layer3.1.bn1.num_batches_tracked", []),
        ("layer3.1.conv2.weight", [256, 256, 3, 3]),
        ("layer3.1.bn2.weight", [256]),
        ("layer3.1.bn2.bias", [256]),
        ("layer3.1.bn2.running_mean", [256]),
        ("layer3.1.bn2.running_var", [256]),
        ("layer3.1.bn2.num_batches_tracked", []),
        ("layer3.2.conv1.weight", [256, 256, 3, 3]),
        ("layer3.2.bn1.weight", [256]),
        ("layer3.2.bn1.bias", [256]),
        ("layer3.2.bn1.running_mean", [256]),
        ("layer3.2.bn1.running_var", [256]),
        ("layer3.2.bn1.num_batches_tracked", []),
        ("layer3.2.conv2.weight", [256, 256, 3, 3]),
        ("layer3.2.bn2.weight", [256]),
        ("layer3.2.bn2.bias", [256]),
        ("layer3.2.bn2.running_mean", [256]),
        ("layer3.2.bn2.running_var", [256]),
        ("layer3.2.bn2.num_batches_tracked", []),
        ("layer3.3.conv1.weight", [256, 256, 3, 3]),
        ("layer3.3.bn1.weight", [256]),
        ("layer3.3.bn1.bias", [256]),
        ("layer3.3.bn1.running_mean", [256]),
        ("layer3.3.bn1.running_var", [256]),
        ("layer3.3.bn1.num_batches_tracked", []),
        ("layer3.3.conv2.weight", [256, 256, 3, 3]),
        ("layer3.3.bn2.weight", [256]),
        ("layer3.3.bn2.bias", [256]),
        ("layer3.3.bn2.running_mean", [256]),
        ("layer3.3.bn2.running_var", [256]),
        ("layer3.3.bn2.num_batches_tracked", []),
        ("layer3.4.conv1.weight", [256, 256, 3, 3]),
        ("layer3.4.bn1.weight", [256]),
        ("layer3.4.bn1.bias", [256]),
        ("layer3.4.bn1.running_mean", [256]),
        ("layer3.4.bn1.running_var", [256]),
        ("layer3.4.bn1.num_batches_tracked", []),
        ("layer3.4.conv2.weight", [256, 256, 3, 3]),
        ("layer3.4.bn2.weight", [256]),
        ("layer3.4.bn2.bias", [256]),
        ("layer3.4.bn2.running_mean", [256]),
        ("layer3.4.bn2.running_var", [256]),
        ("layer3.4.bn2.num_batches_tracked", []),
        ("layer3.5.conv1.weight", [256, 256, 3, 3]),
        ("layer3.5.bn1.weight", [256]),
        ("layer3.5.bn1.bias", [256]),
        ("layer3.5.bn1.running_mean", [256]),
        ("layer3.5.bn1.running_var", [256]),
        ("layer3.5.bn1.num_batches_tracked", []),
        ("layer3.5.conv2.weight", [256, 256, 3, 3]),
        ("layer3.5.bn2.weight", [256]),
        ("layer3.5.bn2.bias", [256]),
        ("layer3.5.bn2.running_mean", [256]),
        ("layer3.5.bn2.running_var", [256]),
        ("layer3.5.bn2.num_batches_tracked", []),
        ("layer4.0.conv1.weight", [512, 256, 3, 3]),
        ("layer4.0.bn1.weight", [512]),
        ("layer4.0.bn1.bias", [512]),
        ("layer4.0.bn1.running_mean", [512]),
        ("layer4.0.bn1.running_var", [512]),
        ("layer4.0.bn1.num_batches_tracked", []),
        ("layer4.0.conv2.weight", [512, 512, 3, 3]),
        ("layer4.0.bn2.weight", [512]),
        ("layer4.0.bn2.bias", [512]),
        ("layer4.0.bn2.running_mean", [512]),
        ("layer4.0.bn2.running_var", [512]),
        ("layer4.0.bn2.num_batches_tracked", []),
        ("layer4.0.shortcut.0.weight", [512, 256, 1, 1]),
        ("layer4.0.shortcut.1.weight", [512]),
        ("layer4.0.shortcut.1.bias", [512]),
        ("layer4.0.shortcut.1.running_mean", [512]),
        ("layer4.0.shortcut.1.running_var", [512]),
        ("layer4.0.shortcut.1.num_batches_tracked", []),
        ("layer4.1.conv1.weight", [512, 512, 3, 3]),
        ("layer4.1.bn1.weight", [512]),
        ("layer4.1.bn1.bias", [512]),
        ("layer4.1.bn1.running_mean", [512]),
        ("layer4.1.bn1.running_var", [512]),
        ("layer4.1.bn1.num_batches_tracked", []),
        ("layer4.1.conv2.weight", [512, 512, 3, 3]),
        ("layer4.1.bn2.weight", [512]),
        ("layer4.1.bn2.bias", [512]),
        ("layer4.1.bn2.running_mean", [512]),
        ("layer4.1.bn2.running_var", [512]),
        ("layer4.1.bn2.num_batches_tracked", []),
        ("layer4.2.conv1.weight", [512, 512, 3, 3]),
        ("layer4.2.bn1.weight", [512]),
        ("layer4.2.bn1.bias", [512]),
        ("layer4.2.bn1.running_mean", [512]),
        ("layer4.2.bn1.running_var", [512]),
        ("layer4.2.bn1.num_batches_tracked", []),
        ("layer4.2.conv2.weight", [512, 512, 3, 3]),
        ("layer4.2.bn2.weight", [512]),
        ("layer4.2.bn2.bias", [512]),
        ("layer4.2.bn2.running_mean", [512]),
        ("layer4.2.bn2.running_var", [512]),
        ("layer4.2.bn2.num_batches_tracked", []),
        ("linear.weight", [10, 512]),
        ("linear.bias", [10]),
    ]

    func testResNet34Width64MatchesPyTorchNamesShapesAndCount() throws {
        let net = try ModelRegistry.make("resnet34", sampleShape: Shape(3, 32, 32), classes: 10)
        XCTAssertEqual(net.name, "resnet34")
        XCTAssertEqual(net.parameterCount, 21_282_122)
        XCTAssertEqual(Self.resnet34StateDict.count, 218)
        let got = net.store.shapes
        XCTAssertEqual(got.count, 218)
        for (i, (e, g)) in zip(Self.resnet34StateDict, got).enumerated() {
            XCTAssertEqual(e.0, g.0, "entry \(i)")
            XCTAssertEqual(e.1, g.1, "shape of \(e.0)")
        }
        // PyTorch's count: the product of the shapes of everything but the BatchNorm buffers.
        XCTAssertEqual(Self.resnet34StateDict.filter { !$0.0.hasSuffix("running_mean") && !$0.0.hasSuffix("running_var")
            && !$0.0.hasSuffix("num_batches_tracked") }.reduce(0) { $0 + $1.1.reduce(1, *) }, 21_282_122)
        let narrow = try ModelRegistry.make("resnet34", sampleShape: Shape(3, 32, 32), classes: 10, options: ModelOptions(width: 16))
        XCTAssertEqual(narrow.parameterCount, 1_334_618, "resnet34 width 16")
        XCTAssertEqual(narrow.name, "resnet34(width: 16)")
    }

    /// The PyTorch `state_dict` of the CIFAR AlexNet (10 classes): `features.{0,3,6,8,10}` and
    /// `classifier.{1,4,6}`, the indices of an `nn.Sequential` that holds the ReLUs, pools and
    /// dropouts too.
    func testAlexNetMatchesPyTorchNamesShapesAndCount() throws {
        let expected: [(String, [Int])] = [
            ("features.0.weight", [64, 3, 3, 3]), ("features.0.bias", [64]),
            ("features.3.weight", [192, 64, 3, 3]), ("features.3.bias", [192]),
            ("features.6.weight", [384, 192, 3, 3]), ("features.6.bias", [384]),
            ("features.8.weight", [256, 384, 3, 3]), ("features.8.bias", [256]),
            ("features.10.weight", [256, 256, 3, 3]), ("features.10.bias", [256]),
            ("classifier.1.weight", [4096, 4096]), ("classifier.1.bias", [4096]),
            ("classifier.4.weight", [4096, 4096]), ("classifier.4.bias", [4096]),
            ("classifier.6.weight", [10, 4096]), ("classifier.6.bias", [10]),
        ]
        let net = try ModelRegistry.make("alexnet", sampleShape: Shape(3, 32, 32), classes: 10)
        XCTAssertEqual(net.name, "alexnet")
        XCTAssertEqual(net.store.shapes.map(\.name), expected.map(\.0))
        XCTAssertEqual(net.store.shapes.map(\.shape), expected.map(\.1))
        XCTAssertEqual(net.parameterCount, 35_855_178)
        XCTAssertEqual(expected.reduce(0) { $0 + $1.1.reduce(1, *) }, 35_855_178)
        XCTAssertEqual(net.dropoutLayers.map(\.probability), [0.5, 0.5], "torchvision's classifier dropout by default")
        let mnist = try ModelRegistry.make("alexnet", sampleShape: Shape(1, 28, 28), classes: 10)
        XCTAssertEqual(mnist.parameterCount, 28_513_994, "28×28 pools to 3×3: fc1 reads 256·9 features")
        XCTAssertThrowsError(try ModelRegistry.make("alexnet", sampleShape: Shape(3, 4, 4), classes: 10)) {
            XCTAssertTrue("\($0)".contains("H, W ≥ 8"), "\($0)")
        }
    }

    /// A whole ResNet-34 at width 4 (two classes, batch 2, 16×16 inputs, see
    /// `ResNetTests.testWholeSmallResNetGradients` for why not 8×8) against the Double reference,
    /// with central differences of step 1e-7 instead of 1e-5: with 33 ReLU layers, a 1e-5 change
    /// of an early weight moves some activations across 0, and the difference then measures the
    /// kink (measured while writing this test: conv1.weight[93] analytic −8.49400, numeric −8.60295
    /// at h = 1e-5, −8.49394 at h = 1e-7; the Double reference's rounding at 1e-7 is ≈ 1e-8).
    func testWholeSmallResNet34Gradients() throws {
        let net = try ModelRegistry.make("resnet34", sampleShape: Shape(3, 16, 16), classes: 2, options: ModelOptions(width: 4))
        net.store.initialise(streams: RandomStreams(seed: 7))
        let rng = RandomStream(seed: 8)
        for p in net.store.parameters where p.role == .normScale || p.role == .normShift {
            for i in 0..<p.value.count { p.value[i] = p.role == .normScale ? rng.uniform(0.7, 1.3) : rng.uniform(-0.2, 0.2) }
        }
        net.body.computesInputGradient = true
        let shape = Shape(2, 3, 16, 16)
        XCTAssertEqual(net.body.prepare(input: shape), Shape(2, 2))
        let checked = ["conv1.weight", "layer1.2.conv2.weight", "layer2.0.shortcut.0.weight", "layer2.3.bn1.weight",
                       "layer3.5.conv1.weight", "layer3.0.shortcut.1.bias", "layer4.2.conv2.weight", "linear.weight", "linear.bias"]
        let params = checked.map { net.store.parameter(named: $0)! }
        let reports = GradCheck.check(layer: net.body, inputShape: shape, parameters: params, store: net.store,
                                      seed: 9, maxEntries: 6, step: 1e-7) { x, ps in
            var all: [String: [Double]] = [:]
            for p in net.store.parameters { all[p.name] = ps[p.name] ?? p.value.toArray().map(Double.init) }
            return ReferenceLayers.resnet18(x, all, channels: 3, height: 16, width: 16, baseWidth: 4, classes: 2, blocks: [3, 4, 6, 3])
        }
        XCTAssertEqual(reports.count, 2 + checked.count)
        for r in reports { XCTAssertTrue(r.passed, "resnet34 width 4 — \(r)") }
    }

    /// A whole AlexNet at width 4 (convs 4, 12, 24, 16, 16; classifier 256-256-3) on 3×8×8,
    /// batch 2, in training mode with its two dropout layers (p = 0.5): the masks drawn by the
    /// checked forward are held fixed in the reference, so this checks the dropout backward in
    /// place as well as every convolution, pool and linear layer.
    func testWholeSmallAlexNetGradientsWithDropout() throws {
        let net = try ModelRegistry.make("alexnet", sampleShape: Shape(3, 8, 8), classes: 3, options: ModelOptions(width: 4))
        XCTAssertEqual(net.name, "alexnet(width: 4)")
        net.store.initialise(streams: RandomStreams(seed: 11))
        net.body.computesInputGradient = true
        let shape = Shape(2, 3, 8, 8)
        XCTAssertEqual(net.body.prepare(input: shape), Shape(2, 3))
        net.beginStep(seed: 12, iteration: 5)
        let drops = net.dropoutLayers
        XCTAssertEqual(drops.count, 2)
        let reports = GradCheck.check(layer: net.body, inputShape: shape, parameters: net.store.parameters, store: net.store,
                                      seed: 13, mode: .training, maxEntries: 6) { x, p in
            typealias R = ReferenceLayers
            var h = R.relu(R.conv2d(x, weight: p["features.0.weight"]!, bias: p["features.0.bias"]!, channels: 3, height: 8, width: 8,
                                    outChannels: 4, kernel: 3, stride: 1, padding: 1))
            h = R.pool2d(h, channels: 4, height: 8, width: 8, kernel: 2, stride: 2, average: false)
            h = R.relu(R.conv2d(h, weight: p["features.3.weight"]!, bias: p["features.3.bias"]!, channels: 4, height: 4, width: 4,
                                outChannels: 12, kernel: 3, stride: 1, padding: 1))
            h = R.pool2d(h, channels: 12, height: 4, width: 4, kernel: 2, stride: 2, average: false)
            for (name, i, o) in [("features.6", 12, 24), ("features.8", 24, 16), ("features.10", 16, 16)] {
                h = R.relu(R.conv2d(h, weight: p[name + ".weight"]!, bias: p[name + ".bias"]!, channels: i, height: 2, width: 2,
                                    outChannels: o, kernel: 3, stride: 1, padding: 1))
            }
            h = R.pool2d(h, channels: 16, height: 2, width: 2, kernel: 2, stride: 2, average: false)
            h = zip(h, drops[0].lastMask(Shape(2, 16)).map(Double.init)).map { $0 * $1 }
            h = R.relu(R.linear(h, weight: p["classifier.1.weight"]!, bias: p["classifier.1.bias"]!, inFeatures: 16, outFeatures: 256))
            h = zip(h, drops[1].lastMask(Shape(2, 256)).map(Double.init)).map { $0 * $1 }
            h = R.relu(R.linear(h, weight: p["classifier.4.weight"]!, bias: p["classifier.4.bias"]!, inFeatures: 256, outFeatures: 256))
            return R.linear(h, weight: p["classifier.6.weight"]!, bias: p["classifier.6.bias"]!, inFeatures: 256, outFeatures: 3)
        }
        XCTAssertEqual(reports.count, 2 + 16)
        for r in reports { XCTAssertTrue(r.passed, "alexnet width 4 — \(r)") }
        XCTAssertTrue(drops[1].lastMask(Shape(2, 256)).contains(0), "the checked forward dropped activations")
    }
}
