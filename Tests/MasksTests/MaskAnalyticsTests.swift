import XCTest
import TensorCore
import Layers
import Models
import Masks

/// Density, effective density (Vysogorets & Kempe 2023) and Jaccard overlap on hand-built masks
/// whose dead units and ineffective weights are worked out by hand in each test's comment.
final class MaskAnalyticsTests: XCTestCase {
    /// A mask from a list of kept flat indices.
    private func mask(_ name: String, _ shape: [Int], kept: [Int]) -> BinaryMask {
        var flags = [Bool](repeating: false, count: shape.reduce(1, *))
        for i in kept { flags[i] = true }
        return BinaryMask(name: name, shape: shape, kept: flags)
    }

    private func effective(_ a: MaskAnalytics) -> [Int] { a.rows.map { $0.effectiveKept ?? -1 } }

    // MARK: - MLP

    /// 3 inputs → fc1 [3,3] → h (3) → fc2 [2,3] → g (2) → fc3 [2,2] → 2 outputs.
    ///
    ///     fc1: h0 keeps no input (cut off from the input); h1 keeps all 3; h2 keeps input 0.
    ///     fc2: g0 ← h0, h1;  g1 ← h2.
    ///     fc3: both outputs ← g0; nothing leaves g1 (g1 leads nowhere).
    ///
    /// h0 is not reached, so fc2's g0 ← h0 is ineffective although kept (cutting a neuron's
    /// inputs kills its outputs). g1 leads nowhere, so g1 ← h2 is ineffective, so h2 leads
    /// nowhere, so h2 ← input 0 is ineffective (cutting a neuron's outputs kills its inputs).
    /// Effective: fc1 3 of 4 kept, fc2 1 of 3, fc3 2 of 2.
    private let mlpMasks: [BinaryMask] = [
        BinaryMask(name: "fc1.weight", shape: [3, 3], kept: [false, false, false, true, true, true, true, false, false]),
        BinaryMask(name: "fc2.weight", shape: [2, 3], kept: [true, true, false, false, false, true]),
        BinaryMask(name: "fc3.weight", shape: [2, 2], kept: [true, false, true, false]),
    ]

    func testMLPNeuronWithoutInputsOrOutputsMakesItsOtherWeightsIneffective() throws {
        var t = MaskTopology(inputUnits: 3)
        let h = t.addGroup(units: 3), g = t.addGroup(units: 2), out = t.addGroup(units: 2)
        t.connect("fc1.weight", shape: [3, 3], from: 0, to: h)
        t.connect("fc2.weight", shape: [2, 3], from: h, to: g)
        t.connect("fc3.weight", shape: [2, 2], from: g, to: out)
        let a = try MaskAnalytics(mlpMasks, topology: t)
        XCTAssertEqual(a.rows.map(\.kept), [4, 3, 2])
        XCTAssertEqual(effective(a), [3, 1, 2])
        XCTAssertEqual(a.total.kept, 9)
        XCTAssertEqual(a.total.effectiveKept, 6)
        XCTAssertEqual(a.total.effectiveDensity ?? 0, 6.0 / 19.0, accuracy: 1e-12)

        let live = t.liveness(kept: Dictionary(uniqueKeysWithValues: mlpMasks.map { ($0.name, $0.kept) }))
        XCTAssertEqual(live.reached[h], [false, true, true])
        XCTAssertEqual(live.leads[h], [true, true, false])
        XCTAssertEqual(live.leads[g], [true, false])
        XCTAssertEqual(live.deadUnits(group: h), 2, "h0 (no input) and h2 (no way out)")

        // The effective entries themselves: fc2 keeps only g0 ← h1.
        let fc2 = try XCTUnwrap(t.connections.first { $0.name == "fc2.weight" })
        XCTAssertEqual(t.effectiveEntries(fc2, mask: mlpMasks[1].kept, liveness: live), [false, true, false, false, false, false])
    }

    /// The same masks on MaskLab's MLP, which has biases: a bias does not keep a unit alive (the
    /// convention of VK23's code), so the numbers are those of the bias-free graph above.
    func testMLPModelWithBiasesGivesTheSameEffectiveCounts() throws {
        let net = try ModelRegistry.make("mlp", sampleShape: Shape(1, 1, 3), classes: 2, options: ModelOptions(hidden: [3, 2]))
        XCTAssertNotNil(net.store.parameters.first { $0.name == "fc1.bias" }, "the model has biases")
        let a = try MaskAnalytics(mlpMasks, network: net)
        XCTAssertEqual(effective(a), [3, 1, 2])
        let csv = a.csv().split(separator: "\n").map(String.init)
        XCTAssertEqual(csv[0], "tensor,entries,kept,density,effective_kept,effective_density")
        XCTAssertEqual(csv[2], "fc2.weight,6,3,0.500000,1,0.166667")
        XCTAssertEqual(csv[4], "all,19,9,0.473684,6,0.315789")
    }

    func testDenseTensorsOutsideTheMaskCountAsKept() throws {
        // Only fc2 is masked; fc1 and fc3 are dense, so every kept fc2 weight is on a path.
        let net = try ModelRegistry.make("mlp", sampleShape: Shape(1, 1, 3), classes: 2, options: ModelOptions(hidden: [3, 2]))
        let a = try MaskAnalytics([mlpMasks[1]], network: net)
        XCTAssertEqual(a.rows.map(\.name), ["fc2.weight"])
        XCTAssertEqual(effective(a), [3])
    }

    // MARK: - Convolutions

    /// input 2 channels (2×2) → conv1 [3,2,3,3] → conv2 [2,3,3,3] → flatten (2·2·2 = 8) → fc [2,8].
    ///
    ///     conv1: channel 0 keeps nothing; channel 1 keeps one tap (from input 1); channel 2 all 18.
    ///     conv2: out 0 ← channel 0 (all 9 taps) and channel 1 (one tap); out 1 ← channel 2 (9 taps).
    ///     fc:    row 0 ← columns 0…3 (conv2 channel 0); row 1 ← column 1; columns 4…7
    ///            (conv2 channel 1, in PyTorch's NCHW flatten) keep nothing.
    ///
    /// One kept tap keeps a channel connection (channel level). Channel 0 is not reached: out 0 ←
    /// channel 0's 9 taps are ineffective. conv2 channel 1 leads nowhere (columns 4…7 cut), so
    /// its 9 taps and then channel 2's 18 conv1 weights are ineffective.
    /// Effective: conv1 1 of 19, conv2 1 of 19, fc 5 of 5.
    private func convMasks() -> [BinaryMask] {
        func at(_ o: Int, _ i: Int, _ k: Int, inputs: Int) -> Int { (o * inputs + i) * 9 + k }
        return [
            mask("conv1.weight", [3, 2, 3, 3], kept: [at(1, 1, 4, inputs: 2)] + (0..<18).map { 36 + $0 }),
            mask("conv2.weight", [2, 3, 3, 3], kept: (0..<9).map { at(0, 0, $0, inputs: 3) } + [at(0, 1, 8, inputs: 3)] + (0..<9).map { at(1, 2, $0, inputs: 3) }),
            mask("fc.weight", [2, 8], kept: [0, 1, 2, 3, 8 + 1]),
        ]
    }

    private func convNetwork() -> Network {
        let builder = ParameterBuilder(), workspace = ConvolutionWorkspace()
        let layers: [Layer] = [
            Conv2d("conv1", 2, 3, kernel: 3, padding: 1, workspace: workspace, builder: builder), ReLU(),
            Conv2d("conv2", 3, 2, kernel: 3, padding: 1, workspace: workspace, builder: builder), ReLU(),
            Flatten(), Linear("fc", 8, 2, builder: builder),
        ]
        return Network(name: "conv pair", body: Sequential(layers), store: builder.finish(), sampleShape: Shape(2, 2, 2), classes: 2)
    }

    func testConvPairIsAnalysedAtChannelLevelAndFlattenMapsColumnsToChannels() throws {
        let net = convNetwork()
        let t = try XCTUnwrap(MaskTopology(network: net))
        XCTAssertEqual(t.groupSizes, [2, 3, 2, 2])
        XCTAssertEqual(t.weights.map(\.name), ["conv1.weight", "conv2.weight", "fc.weight"])
        let a = try MaskAnalytics(convMasks(), topology: t)
        XCTAssertEqual(a.rows.map(\.kept), [19, 19, 5])
        XCTAssertEqual(effective(a), [1, 1, 5])
        XCTAssertEqual(a.total.effectiveKept, 7)
    }

    // MARK: - Residual blocks

    /// stem conv1 [2,1,3,3] → bn1 → relu → BasicBlock layer1.0 (2 → `out` channels) → global
    /// average pool → linear [2, out].
    private func resNetBlock(out: Int) -> Network {
        let builder = ParameterBuilder(), workspace = ConvolutionWorkspace()
        let layers: [Layer] = [
            Conv2d("conv1", 1, 2, kernel: 3, padding: 1, bias: false, workspace: workspace, builder: builder),
            BatchNorm("bn1", channels: 2, builder: builder), ReLU(),
            BasicBlock("layer1.0", 2, out, stride: 1, workspace: workspace, builder: builder),
            GlobalAvgPool2d(), Linear("linear", out, 2, builder: builder),
        ]
        return Network(name: "block", body: Sequential(layers), store: builder.finish(), sampleShape: Shape(1, 4, 4), classes: 2)
    }

    /// Identity shortcut. The block's conv2 keeps nothing into output channel 0, and its conv1
    /// keeps nothing out of input channel 1; the stem and the linear layer are kept whole.
    /// Without the shortcut, output channel 0 would be cut from the input (linear's 2 weights
    /// from it ineffective) and stem channel 1 would lead nowhere (the stem's 9 weights into it
    /// ineffective); through the identity both stay alive, and every kept weight is effective.
    func testIdentityShortcutKeepsChannelsAlive() throws {
        let net = resNetBlock(out: 2)
        let t = try XCTUnwrap(MaskTopology(network: net))
        XCTAssertEqual(t.groupSizes, [1, 2, 2, 2, 2], "input, stem, block middle, block output, logits")
        XCTAssertEqual(t.connections.filter { $0.name == nil }.count, 1, "one identity shortcut")
        let stem = mask("conv1.weight", [2, 1, 3, 3], kept: Array(0..<18))
        let blockConv1 = mask("layer1.0.conv1.weight", [2, 2, 3, 3], kept: Array(0..<9) + Array(18..<27))   // from input channel 0 only
        let blockConv2 = mask("layer1.0.conv2.weight", [2, 2, 3, 3], kept: Array(18..<36))                  // into output channel 1 only
        let linear = mask("linear.weight", [2, 2], kept: Array(0..<4))
        let a = try MaskAnalytics([stem, blockConv1, blockConv2, linear], network: net)
        XCTAssertEqual(a.rows.map(\.kept), [18, 18, 18, 4])
        XCTAssertEqual(effective(a), [18, 18, 18, 4])
        let live = t.liveness(kept: Dictionary(uniqueKeysWithValues: [blockConv1, blockConv2].map { ($0.name, $0.kept) }))
        XCTAssertEqual(live.reached[3], [true, true], "output channel 0 is fed by the shortcut")
        XCTAssertEqual(live.leads[1], [true, true], "stem channel 1 leads to the output through the shortcut")
    }

    /// Projection shortcut (2 → 3 channels, `layer1.0.shortcut.0.weight` [3,2,1,1]). conv2 keeps
    /// nothing into output channel 0: with the projection also cut there, channel 0 is dead and
    /// linear's 2 weights from it are ineffective; one kept projection weight revives it.
    func testProjectionShortcutKeepsAChannelAliveOnlyThroughAKeptWeight() throws {
        let net = resNetBlock(out: 3)
        let conv2 = mask("layer1.0.conv2.weight", [3, 3, 3, 3], kept: (27..<81).map { $0 })            // outputs 1 and 2
        let cut = mask("layer1.0.shortcut.0.weight", [3, 2, 1, 1], kept: [2, 3, 4, 5])                 // outputs 1 and 2
        let dead = try MaskAnalytics([conv2, cut, mask("linear.weight", [2, 3], kept: Array(0..<6))], network: net)
        XCTAssertEqual(effective(dead), [54, 4, 4], "linear's column 0 is cut off")
        let kept = mask("layer1.0.shortcut.0.weight", [3, 2, 1, 1], kept: [1, 2, 3, 4, 5])            // + output 0 ← input 1
        let alive = try MaskAnalytics([conv2, kept, mask("linear.weight", [2, 3], kept: Array(0..<6))], network: net)
        XCTAssertEqual(effective(alive), [54, 5, 6])
    }

    func testEveryRegisteredModelHasATopologyCoveringAllItsWeights() throws {
        for entry in ModelRegistry.entries {
            var built = 0
            for shape in [Shape(1, 28, 28), Shape(3, 32, 32)] {
                guard let net = (try? entry.build(shape, 10, ModelOptions(width: 4))) ?? (try? entry.build(shape, 10, ModelOptions())) else { continue }
                built += 1
                let t = try XCTUnwrap(MaskTopology(network: net), "\(net.name) on \(shape)")
                let weights = net.store.parameters.filter { $0.role == .weight }
                XCTAssertEqual(t.weights.map(\.name).sorted(), weights.map(\.name).sorted(), net.name)
                XCTAssertEqual(t.groupSizes.last, 10)
                // The dense mask: every weight is effective.
                let dense = weights.map { BinaryMask(name: $0.name, shape: $0.shape.dims, kept: [Bool](repeating: true, count: $0.shape.count)) }
                let a = try MaskAnalytics(dense, topology: t)
                XCTAssertEqual(a.total.effectiveKept, a.total.entries, net.name)
            }
            XCTAssertGreaterThan(built, 0, "\(entry.name) built on neither shape")
        }
    }

    func testAMaskThatDoesNotFitTheModelNamesTheTensor() throws {
        let net = try ModelRegistry.make("mlp", sampleShape: Shape(1, 1, 3), classes: 2, options: ModelOptions(hidden: [3, 2]))
        let wrong = mask("fc2.weight", [2, 4], kept: [])
        XCTAssertThrowsError(try MaskAnalytics([mlpMasks[0], wrong], network: net)) { error in
            XCTAssertEqual(error as? MaskAnalyticsError, .doesNotFitModel(tensor: "fc2.weight", mask: [2, 4], model: [2, 3]))
        }
        XCTAssertThrowsError(try MaskAnalytics([mask("fc9.weight", [1], kept: [])], network: net)) { error in
            XCTAssertEqual("\(error)", "the mask's tensor fc9.weight [1] is not a weight of the model")
        }
        // Without a topology only the direct densities exist.
        let plain = try MaskAnalytics(mlpMasks, topology: nil)
        XCTAssertNil(plain.total.effectiveKept)
        XCTAssertTrue(plain.csv().contains("fc1.weight,9,4,0.444444,,\n"), plain.csv())
    }

    // MARK: - Jaccard

    func testJaccardPerTensorAndOverall() throws {
        let a = [mask("x", [4], kept: [0, 1, 2]), mask("y", [2, 2], kept: []), mask("z", [3], kept: [0])]
        let b = [mask("z", [3], kept: [1, 2]), mask("x", [4], kept: [1, 2, 3]), mask("y", [2, 2], kept: [])]
        let o = try MaskOverlap(a, b)
        XCTAssertEqual(o.rows.map(\.name), ["x", "y", "z"], "in the first mask's order")
        XCTAssertEqual(o.rows.map(\.jaccard), [0.5, 1, 0], "{0,1,2} vs {1,2,3}: 2/4; both empty: 1; disjoint: 0")
        XCTAssertEqual(o.total.intersection, 2)
        XCTAssertEqual(o.total.union, 7)
        XCTAssertEqual(o.total.jaccard, 2.0 / 7.0, accuracy: 1e-12)
        XCTAssertEqual(try MaskOverlap(a, a).total.jaccard, 1)
    }

    func testJaccardNamesTheFirstMismatch() {
        let a = [mask("x", [4], kept: [0]), mask("y", [2], kept: [])]
        XCTAssertThrowsError(try MaskOverlap(a, [mask("x", [4], kept: []), mask("y", [3], kept: [])])) { error in
            XCTAssertEqual(error as? MaskAnalyticsError, .masksDiffer(tensor: "y", first: [2], second: [3]))
        }
        XCTAssertThrowsError(try MaskOverlap(a, [mask("y", [2], kept: [])])) { error in
            XCTAssertEqual(error as? MaskAnalyticsError, .masksDiffer(tensor: "x", first: [4], second: nil))
        }
        XCTAssertThrowsError(try MaskOverlap(a, a + [mask("w", [1], kept: [])])) { error in
            XCTAssertEqual(error as? MaskAnalyticsError, .masksDiffer(tensor: "w", first: nil, second: [1]))
            XCTAssertEqual((error as? MaskAnalyticsError)?.describe(first: "A", second: "B"), "w [1] is in B but not in A")
        }
    }
}
