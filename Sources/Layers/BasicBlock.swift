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
    public let conv1: Conv2d, bn1: BatchNorm, relu1 = ReLU(), conv2: Conv2d, bn2: BatchNorm
    /// The projection shortcut (1×1 conv, BatchNorm), nil for the identity.
    public let shortcut: (conv: Conv2d, bn: BatchNorm)?
    public var computesInputGradient = true

    private var output = TensorStorage(count: 0)   // relu(main + shortcut), [N, O, OH, OW]
    private var sumGrad = TensorStorage(count: 0)  // d(main + shortcut), [N, O, OH, OW]
    private var last: Tensor = .none

    /// Declares the block's parameters under `module` (e.g. "layer2.0"), in PyTorch's order.
    public init(_ module: String, _ inChannels: Int, _ outChannels: Int, stride: Int,
                workspace: ConvolutionWorkspace, builder: ParameterBuilder) {
        conv1 = Conv2d(module + ".conv1", inChannels, outChannels, kernel: 3, stride: stride, padding: 1, bias: false,
                       workspace: workspace, builder: builder)
        bn1 = BatchNorm(module + ".bn1", channels: outChannels, builder: builder)
        conv2 = Conv2d(module + ".conv2", outChannels, outChannels, kernel: 3, stride: 1, padding: 1, bias: false,
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
        s = bn1.prepare(input: s)
        s = relu1.prepare(input: s)
        s = conv2.prepare(input: s)
        s = bn2.prepare(input: s)
        if let (conv, bn) = shortcut {
            conv.computesInputGradient = computesInputGradient
            let t = bn.prepare(input: conv.prepare(input: input))
            precondition(t == s, "BasicBlock \(conv1.weight.module): shortcut \(t) differs from main path \(s)")
        } else {
            precondition(input == s, "BasicBlock \(conv1.weight.module): identity shortcut needs \(s), got \(input)")
        }
        output = TensorStorage(count: s.count)
        sumGrad = TensorStorage(count: s.count)
        return s
    }

    // h = bn2(conv2(relu(bn1(conv1(x)))));  y (N,O,OH,OW) = relu(h + shortcut(x))
    public func forward(_ x: Tensor, mode: ForwardMode) -> Tensor {
        var h = conv1.forward(x, mode: mode)
        h = bn1.forward(h, mode: mode)
        h = relu1.forward(h, mode: mode)
        h = conv2.forward(h, mode: mode)
        h = bn2.forward(h, mode: mode)
        let s = shortcut.map { $0.bn.forward($0.conv.forward(x, mode: mode), mode: mode) } ?? x
        let y = output.tensor(h.shape)
        Elementwise.add(h, s, into: y)
        Elementwise.relu(y, into: y)
        last = y
        return y
    }

    // g = dy where y > 0;  dx = main.backward(g) + shortcut.backward(g)  (identity: + g)
    public func backward(_ dy: Tensor) -> Tensor {
        let g = sumGrad.tensor(dy.shape)
        Elementwise.reluBackward(output: last, gradOutput: dy, into: g)
        var d = bn2.backward(g)
        d = conv2.backward(d)
        d = relu1.backward(d)
        d = bn1.backward(d)
        let dx = conv1.backward(d)   // conv1's buffer; the shortcut's gradient is added in place
        if let (conv, bn) = shortcut {
            let ds = conv.backward(bn.backward(g))
            if computesInputGradient { Elementwise.add(dx, ds, into: dx) }
        } else if computesInputGradient {
            Elementwise.add(dx, g, into: dx)
        }
        return dx
    }
}
