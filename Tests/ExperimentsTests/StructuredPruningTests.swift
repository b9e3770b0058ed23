import XCTest
import Foundation
import TensorCore
import Stats
import Layers
import Models
import Masks
import Training
@testable import Experiments
import TestSupport

/// Structured pruning with physical removal: the groups and shapes of a pruned ResNet-18, the
/// pruned model's outputs against the dense model with the removed channels zeroed, the
/// criteria's choices, the refusals, and the PyTorch twin.
final class StructuredPruningTests: XCTestCase {
    /// A network with seeded weights and non-trivial BatchNorm state (γ, β, running statistics
    /// all away from their initial values), so that BatchNorm folding errors would show.
    private func network(_ model: String, _ options: ModelOptions, shape: Shape, seed: UInt64 = 1) throws -> Network {
        let net = try ModelRegistry.make(model, sampleShape: shape, classes: 10, options: options)
        net.store.initialise(streams: RandomStreams(seed: seed))
        let rng = RandomStream(seed: seed &+ 100)
        for p in net.store.parameters where p.role == .normScale || p.role == .normShift {
            for i in 0..<p.value.count { p.value[i] = rng.uniform(-1, 1) }
        }
        for b in net.store.buffers {
            for i in 0..<b.value.count { b.value[i] = b.name.hasSuffix("running_var") ? rng.uniform(0.5, 2) : rng.uniform(-0.5, 0.5) }
        }
        return net
    }

    private func prune(_ dense: Network, _ model: String, _ options: ModelOptions, criterion: any StructuredCriterion = L1FilterCriterion(),
                       ratio: Double) throws -> (StructuredSelection, Network, ModelOptions) {
        let selection = try StructuredSelection.select(ChannelGroup.groups(of: dense), criterion: criterion, ratio: ratio)
        let pruned = try StructuredPruning.prune(dense, model: model, options: options, selection: selection)
        return (selection, pruned.network, pruned.options)
    }

    func testPrunedResNet18Width8HasTheseTensorsAndShapes() throws {
        let options = ModelOptions(width: 8)
        let dense = try network("resnet18", options, shape: Shape(3, 32, 32))
        XCTAssertEqual(ChannelGroup.groups(of: dense).map(\.name),
                       ["layer1.0.conv1", "layer1.1.conv1", "layer2.0.conv1", "layer2.1.conv1", "layer3.0.conv1", "layer3.1.conv1", "layer4.0.conv1", "layer4.1.conv1"],
                       "only the inside of each BasicBlock is grouped: the stem and the block outputs feed residual sums")
        let (_, pruned, prunedOptions) = try prune(dense, "resnet18", options, ratio: 0.5)
        XCTAssertEqual(prunedOptions.channels, [4, 4, 8, 8, 16, 16, 32, 32])
        XCTAssertEqual(prunedOptions.width, 8)
        XCTAssertEqual(pruned.name, "resnet18(width: 8, channels: 4,4,8,8,16,16,32,32)")
        let shapes = Dictionary(uniqueKeysWithValues: pruned.store.shapes.map { ($0.name, $0.shape) })
        let expected: [String: [Int]] = [
            "conv1.weight": [8, 3, 3, 3], "bn1.weight": [8],
            "layer1.0.conv1.weight": [4, 8, 3, 3], "layer1.0.bn1.weight": [4], "layer1.0.bn1.bias": [4],
            "layer1.0.bn1.running_mean": [4], "layer1.0.bn1.running_var": [4],
            "layer1.0.conv2.weight": [8, 4, 3, 3], "layer1.0.bn2.weight": [8],
            "layer2.0.conv1.weight": [8, 8, 3, 3], "layer2.0.bn1.weight": [8], "layer2.0.conv2.weight": [16, 8, 3, 3],
            "layer2.0.shortcut.0.weight": [16, 8, 1, 1], "layer2.0.shortcut.1.weight": [16],
            "layer3.1.conv1.weight": [16, 32, 3, 3], "layer3.1.conv2.weight": [32, 16, 3, 3],
            "layer4.1.conv1.weight": [32, 64, 3, 3], "layer4.1.bn1.running_var": [32], "layer4.1.conv2.weight": [64, 32, 3, 3],
            "layer4.1.bn2.weight": [64], "linear.weight": [10, 64], "linear.bias": [10],
        ]
        for (name, shape) in expected { XCTAssertEqual(shapes[name], shape, name) }
        XCTAssertEqual(dense.parameterCount, 176_402)
        XCTAssertEqual(pruned.parameterCount, 90_338)
        XCTAssertEqual(pruned.store.stateDictOrder, dense.store.stateDictOrder, "the same names in the same order")
    }

    /// Pruned model vs the dense model with the removed channels zeroed (filter, bias, γ, β = 0),
    /// in inference (running statistics) and with batch statistics. The pruned model sums over
    /// fewer channels, so the float sums differ in order only: tolerance 2e-5 × max(1, |logit|max).
    func testPrunedModelComputesWhatTheZeroedDenseModelComputes() throws {
        let cases: [(String, ModelOptions, Shape, Double)] = [
            ("resnet18", ModelOptions(width: 8), Shape(3, 16, 16), 0.5),
            ("resnet18", ModelOptions(width: 8), Shape(3, 16, 16), 0.75),
            ("conv4", ModelOptions(width: 8), Shape(3, 16, 16), 0.5),      // no BatchNorm, biases, Flatten into fc1
            ("vgg11", ModelOptions(width: 8), Shape(3, 32, 32), 0.5),
            ("mlp", ModelOptions(hidden: [24, 12], batchNorm: true), Shape(1, 8, 8), 0.25),
        ]
        for (model, options, shape, ratio) in cases {
            let dense = try network(model, options, shape: shape)
            let (selection, pruned, _) = try prune(dense, model, options, ratio: ratio)
            StructuredPruning.zeroRemoved(dense, selection: selection)
            let n = 6
            let x = TensorStorage(count: n * shape.count)
            let rng = RandomStream(seed: 9)
            for i in 0..<x.count { x.base[i] = Float(rng.gaussian()) }
            let input = x.tensor(Shape([n] + shape.dims))
            for mode in [ForwardMode.inference, .frozenStatistics] {
                dense.prepare(batch: n)
                pruned.prepare(batch: n)
                let a = dense.forward(input, mode: mode).toArray()
                let b = pruned.forward(input, mode: mode).toArray()
                let scale = max(1, a.map { abs($0) }.max() ?? 0)
                let worst = try XCTUnwrap(largestDifference(a, b))
                print("\(model) ratio \(ratio) \(mode): \(worst) (max |logit| \(scale))")
                XCTAssertLessThanOrEqual(worst.absolute, 2e-5 * Double(scale), "\(model) ratio \(ratio) \(mode): \(worst)")
            }
        }
    }

    func testTheCriteriaKeepTheLargestFiltersAndGammas() throws {
        let options = ModelOptions(width: 4)
        let dense = try network("resnet18", options, shape: Shape(3, 16, 16))
        let g = ChannelGroup.groups(of: dense)[0]   // layer1.0: 4 channels
        XCTAssertEqual(g.width, 4)
        for (ch, gamma) in [0.3, -2.0, 0.1, 1.5].enumerated() { g.norm!.scale.value[ch] = Float(gamma) }
        let rows = g.producer.shape.count / 4
        for (ch, v) in [Float(1), 0.01, 3, 0.5].enumerated() { for j in 0..<rows { g.producer.value[ch * rows + j] = j % 2 == 0 ? v : -v } }
        XCTAssertEqual(try StructuredSelection.select([g], criterion: BatchNormGammaCriterion(), ratio: 0.5).channels, [[1, 3]], "|γ| 2 and 1.5")
        XCTAssertEqual(try StructuredSelection.select([g], criterion: L1FilterCriterion(), ratio: 0.5).channels, [[0, 2]], "L1 norms 27·{1, 0.01, 3, 0.5}")
        XCTAssertEqual(try StructuredSelection.select([g], criterion: L1FilterCriterion(), ratio: 0).channels, [[0, 1, 2, 3]])
        // Ties keep the lower index.
        for i in 0..<g.producer.value.count { g.producer.value[i] = 1 }
        XCTAssertEqual(try StructuredSelection.select([g], criterion: L1FilterCriterion(), ratio: 0.25).channels, [[0, 1, 2]])
    }

    func testRefusals() throws {
        // Width 1: layer1's blocks have one inner channel; round(0.5 × 1) = 1 removes it.
        let tiny = try network("resnet18", ModelOptions(width: 1), shape: Shape(3, 8, 8))
        XCTAssertThrowsError(try StructuredSelection.select(ChannelGroup.groups(of: tiny), criterion: L1FilterCriterion(), ratio: 0.5)) { e in
            XCTAssertEqual("\(e)", "pruning: ratio 0.5 removes all 1 channels of layer1.0.conv1 (round(0.5 × 1) = 1); a ratio must stay below (C − 0.5)/C = 0.5 to keep one")
        }
        let conv = try network("conv2", ModelOptions(width: 4), shape: Shape(3, 8, 8))
        XCTAssertThrowsError(try StructuredSelection.select(ChannelGroup.groups(of: conv), criterion: BatchNormGammaCriterion(), ratio: 0.5)) { e in
            XCTAssertTrue("\(e)".contains("'bn-gamma' needs a BatchNorm after conv1"), "\(e)")
        }
        XCTAssertThrowsError(try StructuredSelection.select(ChannelGroup.groups(of: conv), criterion: L1FilterCriterion(), ratio: 1)) { e in
            XCTAssertTrue("\(e)".contains("ratio must be in [0, 1), got 1.0"), "\(e)")
        }
        // LeNet-5 has groups but no option for their widths.
        let lenet = try network("lenet5", ModelOptions(), shape: Shape(1, 28, 28))
        XCTAssertThrowsError(try prune(lenet, "lenet5", ModelOptions(), ratio: 0.5)) { e in
            XCTAssertTrue("\(e)".contains("lenet5") && "\(e)".contains("no per-layer channel counts"), "\(e)")
        }
        // A channels list of the wrong length names what it needs.
        XCTAssertThrowsError(try ModelRegistry.make("resnet18", sampleShape: Shape(3, 32, 32), classes: 10, options: ModelOptions(channels: [4, 4]))) { e in
            XCTAssertTrue("\(e)".contains("channels needs 8 positive counts (one inner width per BasicBlock), got 2"), "\(e)")
        }
    }

    /// Each pruned model's state_dict loads into the module of its generated `model.py` in
    /// PyTorch with `strict=True` and gives the same logits (inference mode) within
    /// 1e-4 × max(1, |logit|max).
    func testPrunedModelsLoadStrictlyIntoTheirPyTorchTwinsWithTheSameLogits() throws {
        let (python, environment) = try TorchPython.locate()
        let cases: [(String, ModelOptions, Shape, any StructuredCriterion)] = [
            ("resnet18", ModelOptions(width: 8), Shape(3, 16, 16), BatchNormGammaCriterion()),
            ("conv4", ModelOptions(width: 8), Shape(3, 16, 16), L1FilterCriterion()),
            ("vgg11", ModelOptions(width: 8), Shape(3, 32, 32), BatchNormGammaCriterion()),
            ("mlp", ModelOptions(hidden: [24, 12], batchNorm: true), Shape(1, 8, 8), L1FilterCriterion()),
        ]
        let root = TemporaryDirectory("masklab-structured-torch")
        var checks = "import json, sys, importlib.util, torch\nfrom safetensors.torch import load_file\nout = {}\n"
        for (model, options, shape, criterion) in cases {
            let dense = try network(model, options, shape: shape)
            let (_, pruned, prunedOptions) = try prune(dense, model, options, criterion: criterion, ratio: 0.5)
            let dir = root.file(model)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try StructuredPrune.stateDict(pruned).write(to: dir.appendingPathComponent("model.safetensors"))
            let twin = try XCTUnwrap(PyTorchTwin.source(model: model, options: prunedOptions, sampleShape: shape.dims, classes: 10))
            try twin.write(to: dir.appendingPathComponent("model.py"), atomically: true, encoding: .utf8)
            let n = 4
            let x = TensorStorage(count: n * shape.count)
            let rng = RandomStream(seed: 5)
            for i in 0..<x.count { x.base[i] = Float(rng.gaussian()) }
            pruned.prepare(batch: n)
            let logits = pruned.forward(x.tensor(Shape([n] + shape.dims)), mode: .inference)
            try SafetensorsFile(tensors: [SafetensorsTensor(name: "x", shape: [n] + shape.dims, floats: x.base, count: x.count),
                                          SafetensorsTensor(name: "logits", shape: [n, 10], floats: logits.pointer, count: logits.count)])
                .write(to: dir.appendingPathComponent("io.safetensors"))
            checks += """
                spec = importlib.util.spec_from_file_location("twin_\(model)", "\(dir.path)/model.py")
                twin = importlib.util.module_from_spec(spec); spec.loader.exec_module(twin)
                net = twin.build()
                net.load_state_dict(load_file("\(dir.path)/model.safetensors"), strict=True)
                net.eval()
                io = load_file("\(dir.path)/io.safetensors")
                with torch.no_grad():
                    y = net(io["x"])
                out["\(model)"] = [(y - io["logits"]).abs().max().item(), io["logits"].abs().max().item()]

                """
        }
        checks += "print(json.dumps(out))\n"
        let url = root.file("check.py")
        try checks.write(to: url, atomically: true, encoding: .utf8)
        let r = try CommandRunner.run([url.path], executable: python, environment: environment, timeout: 300)
        XCTAssertEqual(r.status, 0, "PyTorch refused a pruned state_dict or failed:\n\(r)")
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: [Double]], r.stdout)
        for (model, _, _, _) in cases {
            let v = try XCTUnwrap(json[model], model)
            print("pruned \(model) in PyTorch: largest logit difference \(v[0]) (max |logit| \(v[1]))")
            XCTAssertLessThanOrEqual(v[0], 1e-4 * max(1, v[1]), model)
        }
    }
}
