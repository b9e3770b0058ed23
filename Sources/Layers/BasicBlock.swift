import TensorCore

/// The residual block of ResNet-18/34 in the CIFAR style of kuangliu/pytorch-cifar:
///
///     out = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))
///
/// `conv1` is 3×3 with stride `s`, `conv2` 3×3 stride 1, both padding 1 and no bias. The shortcut
/// is the identity, or — when `s ≠ 1` or the channel count changes — a 1×1 convolution with
/// stride `s` and no bias followed by BatchNorm. Names under the block's module `m` are
/// PyTorch's: `m.conv1.weight`, `m.bn1.{weight,bias,running_mean,running_var,num_batches_tracked}`,
/// `m.conv2.weight`, `m.bn2.*`, and for a projection `m.shortcut.0.weight`, `m.shortcut.1.*`.
///
/// Shapes: `x` `[N, I, H, W]` → `y` `[N, O, ⌈H/s⌉, ⌈W/s⌉]`.
public final class BasicBlock: Layer {
    /// `bn1` carries the ReLU (`BatchNorm(relu: true)`); `bn2` and the shortcut's BatchNorm are
    /// applied by the block itself, fused with the residual add and the final ReLU.
    public let conv1: Conv2d, bn1: BatchNorm, conv2: Conv2d, bn2: BatchNorm
    /// The projection shortcut (1×1 conv, BatchNorm), nil for the identity.
    public let shortcut: (conv: Conv2d, bn: BatchNorm)?
    public var computesInputGradient = true

    private var output = TensorStorage(count: 0)     // y = relu(bn2(h2) + shortcut(x)), [N, O, OH, OW]
    private var branchGrad = TensorStorage(count: 0) // d h2, then d hs (projection), [N, O, OH, OW]
    private var last: Tensor = .none
    /// `LayerClock` slots: conv1 (with an identity shortcut, the backward's add of its gradient
    /// too), bn1, conv2, the output pass (bn2, the projection's BatchNorm, the projection's add in
    /// the backward, the ReLU), the projection's convolution (−1 without one).
    private var clockSlots = (conv1: -1, bn1: -1, conv2: -1, output: -1, shortcut: -1)

    /// The module name of the block, e.g. "layer2.0".
    public var module: String { String(conv1.weight.module.dropLast(".conv1".count)) }

    /// Declares the block's parameters under `module` (e.g. "layer2.0"), in PyTorch's order.
    /// `midChannels` is conv1's filter count (bn1's channels, conv2's inputs): nil = `outChannels`;
    /// fewer for a structurally pruned block (the residual path keeps `outChannels`).
    public init(_ module: String, _ inChannels: Int, _ outChannels: Int, midChannels: Int? = nil, stride: Int,
                workspace: ConvolutionWorkspace, builder: ParameterBuilder) {
        let mid = midChannels ?? outChannels
        conv1 = Conv2d(module + ".conv1", inChannels, mid, kernel: 3, stride: stride, padding: 1, bias: false,
                       workspace: workspace, builder: builder)
        bn1 = BatchNorm(module + ".bn1", channels: mid, relu: true, builder: builder)
        bn1.gradientInPlace = true   // its dy is conv2's input gradient, which the block owns
        conv2 = Conv2d(module + ".conv2", mid, outChannels, kernel: 3, stride: 1, padding: 1, bias: false,
                       workspace: workspace, builder: builder)
        bn2 = BatchNorm(module + ".bn2", channels: outChannels, builder: builder)
        if stride != 1 || inChannels != outChannels {
            shortcut = (Conv2d(module + ".shortcut.0", inChannels, outChannels, kernel: 1, stride: stride, bias: false,
                               workspace: workspace, builder: builder),
                        BatchNorm(module + ".shortcut.1", channels: outChannels, builder: builder))
        } else {
            shortcut = nil
        }
    }

    public func prepare(input: Shape) -> Shape {
        conv1.computesInputGradient = computesInputGradient
        var s = conv1.prepare(input: input)
        let mid = s
        s = bn1.prepare(input: s)
        s = conv2.prepare(input: s)
        // bn2 and the shortcut's BatchNorm need no buffers of their own (see the type's comment).
        if let (conv, _) = shortcut {
            conv.computesInputGradient = computesInputGradient
            let t = conv.prepare(input: input)
            precondition(t == s, "BasicBlock \(conv1.weight.module): shortcut \(t) differs from main path \(s)")
        } else {
            precondition(input == s, "BasicBlock \(conv1.weight.module): identity shortcut needs \(s), got \(input)")
        }
        output = TensorStorage(count: s.count)
        branchGrad = TensorStorage(count: s.count)
        clockSlots = (LayerClock.slot(for: conv1, input: input, previous: nil).slot,
                      LayerClock.slot(for: bn1, input: mid, previous: nil).slot,
                      LayerClock.slot(for: conv2, input: mid, previous: nil).slot,
                      LayerClock.slot(module + ".bn2", kind: "BatchNorm \(s[1]) at \(s[2])×\(s[3])"
                                      + (shortcut == nil ? " + add + ReLU" : " + shortcut BatchNorm + add + ReLU"),
                                      group: "BatchNorm", macsPerSample: 0),
                      shortcut.map { LayerClock.slot(for: $0.conv, input: input, previous: nil).slot } ?? -1)
        return s
    }

    /// The convolutions' sum (main path and projection).
    public var forwardMACsPerSample: Int {
        conv1.forwardMACsPerSample + conv2.forwardMACsPerSample + (shortcut?.conv.forwardMACsPerSample ?? 0)
    }

    // h1 = conv1(x);  a1 = relu(bn1(h1));  h2 = conv2(a1);
    // y (N,O,OH,OW) = relu(bn2(h2) + bns(convs(x)))  or  relu(bn2(h2) + x), in one pass
    public func forward(_ x: Tensor, mode: ForwardMode) -> Tensor {
        if mode == .inference { return inferenceForward(x) }
        let h1 = LayerClock.forward(clockSlots.conv1) { conv1.forward(x, mode: mode) }
        let a1 = LayerClock.forward(clockSlots.bn1) { bn1.forward(h1, mode: mode) }
        let h2 = LayerClock.forward(clockSlots.conv2) { conv2.forward(a1, mode: mode) }
        let hs = shortcut.map { s in LayerClock.forward(clockSlots.shortcut) { s.conv.forward(x, mode: mode) } }
        return LayerClock.forward(clockSlots.output) { outputPass(x, h2, hs, mode: mode) }
    }

    /// y = relu(bn2(h2) + bns(hs)) with a projection, relu(bn2(h2) + x) without: the BatchNorms'
    /// statistics, then one pass.
    private func outputPass(_ x: Tensor, _ h2: Tensor, _ projected: Tensor?, mode: ForwardMode) -> Tensor {
        bn2.fitStatistics(h2, mode: mode)
        let n = h2.shape[0], c = h2.shape[1], s = h2.shape.rowSize / c
        let y = output.tensor(h2.shape)
        if let (_, bn) = shortcut, let hs = projected {
            bn.fitStatistics(hs, mode: mode)
            Normalization.affine(h2.pointer, images: n, channels: c, plane: s, scale: bn2.affineScale, shift: bn2.affineShift,
                                 residual: hs.pointer, residualScale: bn.affineScale, residualShift: bn.affineShift,
                                 relu: true, into: y.pointer)
        } else {
            Normalization.affine(h2.pointer, images: n, channels: c, plane: s, scale: bn2.affineScale, shift: bn2.affineShift,
                                 residual: x.pointer, residualScale: nil, residualShift: nil, relu: true, into: y.pointer)
        }
        last = y
        return y
    }

    // Inference, with BatchNorm's running statistics: every BatchNorm map, the residual add and
    // the ReLUs are applied by the convolutions as they write their outputs (`OutputEpilogue`),
    // with the operations of the separate passes above, so the values are the same bits:
    // hs = convs(x);  a1 = relu(bn1(conv1(x)));  y = relu(bn2(conv2(a1)) + bns(hs) or + x).
    // Nothing is kept for a backward (`last` is cleared).
    private func inferenceForward(_ x: Tensor) -> Tensor {
        let a1 = conv1.forward(x, epilogue: bn1.inferenceEpilogue())
        var e = bn2.inferenceEpilogue(relu: true)
        if let (conv, bn) = shortcut {
            let hs = conv.forward(x, epilogue: .none)
            let es = bn.inferenceEpilogue()
            (e.residual, e.residualScale, e.residualShift) = (UnsafePointer(hs.pointer), es.scale, es.shift)
        } else {
            e.residual = UnsafePointer(x.pointer)
        }
        last = .none
        return conv2.forward(a1, epilogue: e)
    }

    // g = dy·[y > 0];  dh2 = bn2.backward(g) → conv2 → bn1 (ReLU inside, in place) → conv1 = dx;
    // projection: dhs = bns.backward(g) → convs, dx += that;  identity: dx += g (conv1's dx epilogue)
    public func backward(_ dy: Tensor) -> Tensor {
        precondition(dy.shape == last.shape, "BasicBlock \(conv1.weight.module): gradient \(dy.shape) does not match the last output \(last.shape) (an inference forward keeps none)")
        let n = dy.shape[0], c = dy.shape[1], s = dy.shape.rowSize / c
        let y = UnsafePointer(last.pointer), h2 = bn2.lastInput
        let dh = branchGrad.tensor(dy.shape), m = n * s
        LayerClock.backward(clockSlots.output) {
            // bn2's sums, coefficients and input gradient channel by channel (dy and h2 read once from
            // memory); with a projection, the same pass gives its BatchNorm's sums: they see the same g.
            if let (_, bn) = shortcut {
                Normalization.backward(dy.pointer, reluOutput: y, h2.pointer, mean: bn2.centre, images: n, channels: c, plane: s,
                                       sumG: bn2.sumG, sumGX: bn2.sumGX,
                                       second: bn.lastInput.pointer, mean2: bn.centre, sumGX2: bn.sumGX,
                                       finish: { ch in
                                           bn.sumG[ch] = self.bn2.sumG[ch]
                                           bn.finishSums(channel: ch, count: m)
                                           self.bn2.finishSums(channel: ch, count: m)
                                       },
                                       k: bn2.affineScale, p: bn2.p, q: bn2.q, into: dh.pointer)
            } else {
                Normalization.backward(dy.pointer, reluOutput: y, h2.pointer, mean: bn2.centre, images: n, channels: c, plane: s,
                                       sumG: bn2.sumG, sumGX: bn2.sumGX,
                                       finish: { self.bn2.finishSums(channel: $0, count: m) },
                                       k: bn2.affineScale, p: bn2.p, q: bn2.q, into: dh.pointer)
            }
        }
        var d = LayerClock.backward(clockSlots.conv2) { conv2.backward(dh) }
        d = LayerClock.backward(clockSlots.bn1) { bn1.backward(d) }
        // conv1's buffer; the shortcut's gradient is added in place: the identity's dy·[y > 0] by
        // conv1's input-gradient epilogue (as each image or chunk is written with the Winograd
        // F(2×2) lowerings, in a pass after with the others), the projection's after its own backward.
        let identity = shortcut == nil && computesInputGradient
        let dx = LayerClock.backward(clockSlots.conv1) {
            conv1.backward(d, inputGradientEpilogue: identity ? OutputEpilogue(residual: UnsafePointer(dy.pointer),
                                                                             residualMask: UnsafePointer(last.pointer)) : .none)
        }
        if let (conv, bn) = shortcut {
            LayerClock.backward(clockSlots.output) { bn.inputGradient(dy, reluOutput: last, into: dh) }   // dh2 is consumed: reuse its buffer
            let ds = LayerClock.backward(clockSlots.shortcut) { conv.backward(dh) }
            if computesInputGradient { LayerClock.backward(clockSlots.output) { Elementwise.add(dx, ds, into: dx) } }
        }
        return dx
    }
}
