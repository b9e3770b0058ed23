import TensorCore

/// A 2-D convolution over `[N, C, H, W]` images, as PyTorch's `nn.Conv2d` (square kernel,
/// symmetric zero padding, no dilation or groups).
///
/// Shapes: `x` is `[N, I, H, W]`, `weight` is OIHW `[O, I, K, K]`, `bias` is `[O]`, `y` is
/// `[N, O, OH, OW]` with `OH = ⌊(H + 2p − K)/s⌋ + 1`.
///
/// Lowering (`Convolution`, in TensorCore): the batch is split into lanes (one per core) and
/// chunks of images that fit the shared `ConvolutionWorkspace`; for each chunk `im2col` builds
/// `cols [I·K·K, nb·OH·OW]`, one GEMM gives `W [O, I·K·K] · cols = [O, nb·OH·OW]`, and `unpack`
/// moves it to NCHW adding the bias. Backward recomputes the columns (the workspace is shared)
/// and uses two GEMMs and `col2im`. (This path serves the stride-2, 5×5 and narrow 3×3 layers.)
/// A 1×1 convolution with stride 1 and no padding needs no columns: it is one GEMM per image
/// straight from `x` into `y`. A 3×3 convolution with stride 1 and padding 1 (and ≥ 8 input
/// channels) uses `Winograd` F(2×2, 3×3) instead, unless the workspace turns it off (narrow
/// layers and small maps on a CPU with AVX-512: forward and both gradients fused,
/// `FusedWinograd`); its inference forward uses `WinogradF4` F(4×4, 3×3) from 64 input channels
/// where the fused kernel does not run, and so does its training (forward and backward) where
/// `WinogradF4.Plan.trainingApplies` (`lowering` says which).
public final class Conv2d: Layer {
    public let weight: Parameter
    public let bias: Parameter?
    public let inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int
    public var computesInputGradient = true
    public let workspace: ConvolutionWorkspace

    private var output = TensorStorage(count: 0), inputGrad = TensorStorage(count: 0)
    private var input: Tensor = .none
    private var geometry = WindowGeometry(channels: 1, height: 1, width: 1, kernel: 1)
    private var plan: Convolution.Plan?
    private var winogradPlan: Winograd.Plan?
    /// The inference forward's F(4×4, 3×3) plan (`WinogradF4`), when the shape and the workspace allow it.
    private var inferencePlan: WinogradF4.Plan?
    /// Training with F(4×4, 3×3): the forward's plan and the backward's input-gradient plan.
    private var trainingF4: (plan: WinogradF4.Plan, inputGradient: WinogradF4.Plan)?

    /// How the training passes compute this convolution, chosen in `prepare`.
    public enum Lowering: String, Sendable, Equatable {
        /// 1×1, stride 1, no padding: one GEMM per image.
        case pointwise
        /// `im2col` + GEMM (`Convolution`).
        case im2col
        /// Stride 2: the forward and (with a multiple of 16 input channels) the input gradient
        /// computed directly per block of 16 output pixels (`StridedConvolution`, AVX-512), and
        /// the weight gradient too where it has at most `StridedConvolution.maximumWeightGradient`
        /// floats (else by `im2col` + GEMM).
        case stride2Direct
        /// Winograd F(2×2, 3×3) (`Winograd`).
        case winogradF2
        /// Winograd F(2×2, 3×3) with the forward and both gradients fused per block of 16
        /// tiles (`FusedWinograd`: narrow layers, AVX-512).
        case winogradF2Fused
        /// Winograd F(4×4, 3×3) (`WinogradF4`).
        case winogradF4
    }
    /// The training lowering of the last `prepare`.
    public var lowering: Lowering {
        isPointwise ? .pointwise : trainingF4 != nil ? .winogradF4
            : winogradPlan.map { $0.fused ? .winogradF2Fused : .winogradF2 } ?? (plan?.direct == true ? .stride2Direct : .im2col)
    }
    private var isPointwise: Bool { kernel == 1 && stride == 1 && padding == 0 }

    /// Declares `module.weight` `[O, I, K, K]` and (if `bias`) `module.bias` `[O]`, both uniform
    /// on ±1/√(I·K·K) as PyTorch. Convolutions of one network should share one `workspace`.
    public init(_ module: String, _ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1,
                padding: Int = 0, bias: Bool = true, workspace: ConvolutionWorkspace = ConvolutionWorkspace(),
                builder: ParameterBuilder) {
        precondition(inChannels > 0 && outChannels > 0 && kernel > 0 && stride > 0 && padding >= 0,
                     "Conv2d \(module): bad configuration in \(inChannels) out \(outChannels) k \(kernel) s \(stride) p \(padding)")
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.workspace = workspace
        let bound = 1 / Float(inChannels * kernel * kernel).squareRoot()
        weight = builder.parameter(module, "weight", shape: Shape(outChannels, inChannels, kernel, kernel),
                                   role: .weight, initializer: .uniform(bound: bound))
        self.bias = bias ? builder.parameter(module, "bias", shape: Shape(outChannels), role: .bias,
                                             initializer: .uniform(bound: bound)) : nil
    }

    public func prepare(input: Shape) -> Shape {
        precondition(input.rank == 4 && input[1] == inChannels,
                     "Conv2d \(weight.name): input \(input) is not [N, \(inChannels), H, W]")
        let n = input[0]
        geometry = WindowGeometry(channels: inChannels, height: input[2], width: input[3],
                                  kernel: kernel, stride: stride, padding: padding)
        let plane = geometry.outputPlane
        output = TensorStorage(count: n * outChannels * plane)
        inputGrad = TensorStorage(count: computesInputGradient ? input.count : 0)
        winogradPlan = nil
        plan = nil
        inferencePlan = nil
        trainingF4 = nil
        if workspace.winograd && workspace.winogradF4Training
            && WinogradF4.Plan.trainingApplies(kernel: kernel, stride: stride, padding: padding, inChannels: inChannels,
                                               outChannels: outChannels, width: input[3]) {
            let p = WinogradF4.Plan(channels: inChannels, outChannels: outChannels, height: input[2], width: input[3], batch: n,
                                    threads: Parallel.threads, budget: workspace.budget, lanes: workspace.lanes)
            let g = p.inputGradientPlan(batch: n, threads: Parallel.threads, budget: workspace.budget)
            workspace.reserve(max(p.workspaceCount, p.backwardWorkspaceCount(inputGradientPlan: g)))
            trainingF4 = (p, g)
            if workspace.winogradF4 { inferencePlan = p }
            return Shape(n, outChannels, geometry.outHeight, geometry.outWidth)
        }
        if workspace.winograd && Winograd.Plan.applies(kernel: kernel, stride: stride, padding: padding, inChannels: inChannels) {
            let p = Winograd.Plan(channels: inChannels, outChannels: outChannels, height: input[2], width: input[3], batch: n,
                                  threads: Parallel.threads, budget: workspace.budget, lanes: workspace.lanes)
            workspace.reserve(p.workspaceCount)
            winogradPlan = p
        }
        if workspace.winogradF4 && winogradPlan?.fused != true
            && WinogradF4.Plan.applies(kernel: kernel, stride: stride, padding: padding, inChannels: inChannels) {
            let p = WinogradF4.Plan(channels: inChannels, outChannels: outChannels, height: input[2], width: input[3], batch: n,
                                    threads: Parallel.threads, budget: workspace.budget, lanes: workspace.lanes)
            workspace.reserve(p.workspaceCount)
            inferencePlan = p
        }
        if winogradPlan == nil && !isPointwise {
            let p = Convolution.Plan(geometry: geometry, outChannels: outChannels, batch: n, threads: Parallel.threads,
                                     budget: workspace.budget, lanes: workspace.lanes)
            workspace.reserve(p.workspaceCount)
            plan = p
        }
        return Shape(n, outChannels, geometry.outHeight, geometry.outWidth)
    }

    /// `O · OH · OW · I · K · K` for the prepared input size.
    public var forwardMACsPerSample: Int { outChannels * geometry.outputPlane * geometry.columnRows }

    // x (N,I,H,W), W (O,I·K·K), per chunk of nb images:
    // cols (I·K·K, nb·S) = im2col(x);  ycols (O, nb·S) = W · cols;  y (N,O,OH,OW) = unpack(ycols) + b
    // In `.inference` a 3×3 stride-1 layer with ≥ 64 input channels and no fused F(2×2) plan uses
    // `WinogradF4` (see `forward(_:epilogue:)`); in training the wide layers
    // `WinogradF4.Plan.trainingApplies` names do.
    public func forward(_ x: Tensor, mode: ForwardMode) -> Tensor {
        mode == .inference ? forward(x, epilogue: .none) : product(x, epilogue: .none, inference: false)
    }

    /// The inference forward with `epilogue` applied to every output value as it is written (the
    /// following BatchNorm's affine map, a residual, a ReLU; see `OutputEpilogue`). A 3×3
    /// stride-1 layer with ≥ 64 input channels uses Winograd F(4×4, 3×3) here (`WinogradF4`, 1.8×
    /// fewer multiplications than F(2×2, 3×3); where training uses F(2×2) the two agree to float
    /// rounding of the larger transforms, where it uses F(4×4) too they give the same bits) unless
    /// the workspace turns it off or the layer trains with the fused F(2×2) kernel (64–128
    /// channels on 8×8 and 4×4 maps): its forward there evaluated ResNet-18 width 16 1.23× faster
    /// than F(4×4)'s transforms on maps one or two tiles wide (1 thread, 6 pairs, session 32), and
    /// gives the training forward's bits. The output is a view of the layer's buffer;
    /// only the forward's input is kept, so a backward after it would differentiate the wrong
    /// function: only inference passes use it.
    public func forward(_ x: Tensor, epilogue: OutputEpilogue) -> Tensor { product(x, epilogue: epilogue, inference: true) }

    /// The product `y = epilogue(conv(x) + b)` on the lowering the layer planned (`inference`:
    /// the inference plan when there is one).
    private func product(_ x: Tensor, epilogue: OutputEpilogue, inference: Bool) -> Tensor {
        precondition(x.shape.rank == 4 && x.shape[1] == inChannels && x.shape[2] == geometry.height
                     && x.shape[3] == geometry.width, "Conv2d \(weight.name): input \(x.shape) differs from the prepared \(geometry)")
        input = x
        let n = x.shape[0], o = outChannels, rows = geometry.columnRows, plane = geometry.outputPlane
        let y = output.tensor(Shape(n, o, geometry.outHeight, geometry.outWidth))
        let w = weight.effective.pointer
        if isPointwise {
            for i in 0..<n {
                GEMM.multiply(m: o, n: plane, k: rows, a: w, b: x.pointer + i * rows * plane, c: y.pointer + i * o * plane)
            }
            if let b = bias { Im2Col.addChannelBias(y.pointer, images: n, channels: o, plane: plane, bias: b.value.pointer) }
            epilogue.apply(y.pointer, channels: o, plane: plane, images: 0..<n, spread: true)
            return y
        }
        if inference, let fp = inferencePlan {
            WinogradF4.forward(x.pointer, weight: w, bias: bias?.value.pointer, epilogue: epilogue, plan: fp, batch: n,
                               workspace: workspace.base, into: y.pointer)
            return y
        }
        if let f4 = trainingF4 {
            WinogradF4.forward(x.pointer, weight: w, bias: bias?.value.pointer, epilogue: epilogue, plan: f4.plan, batch: n,
                               workspace: workspace.base, into: y.pointer)
            return y
        }
        if let wp = winogradPlan {
            Winograd.forward(x.pointer, weight: w, bias: bias?.value.pointer, epilogue: epilogue, plan: wp, batch: n,
                             workspace: workspace.base, into: y.pointer)
            return y
        }
        Convolution.forward(x.pointer, weight: w, bias: bias?.value.pointer, epilogue: epilogue, plan: plan!, batch: n,
                            workspace: workspace.base, into: y.pointer)
        return y
    }

    // per chunk: dycols (O, nb·S) = pack(dy);  db += Σ dy;  cols = im2col(x);
    // dW (O, I·K·K) += dycols · colsᵀ;  dcols (I·K·K, nb·S) = Wᵀ · dycols;  dx = col2im(dcols)
    public func backward(_ dy: Tensor) -> Tensor { backward(dy, inputGradientEpilogue: .none) }

    /// The backward with `inputGradientEpilogue` applied to the input gradient: by the Winograd
    /// F(2×2) lowerings as each image or chunk is written (in cache), by the others (F(4×4),
    /// im2col, stride-2 direct, pointwise) in a pass after. Nothing when no input gradient is computed.
    /// `BasicBlock` adds its identity shortcut's gradient this way.
    public func backward(_ dy: Tensor, inputGradientEpilogue: OutputEpilogue) -> Tensor {
        let dx = gradients(dy, inputGradientEpilogue: inputGradientEpilogue)
        if computesInputGradient && !inputGradientEpilogue.isNone && lowering != .winogradF2 && lowering != .winogradF2Fused {
            inputGradientEpilogue.apply(dx.pointer, channels: geometry.channels, plane: geometry.inputPlane,
                                        images: 0..<dy.shape[0], spread: true)
        }
        return dx
    }

    private func gradients(_ dy: Tensor, inputGradientEpilogue: OutputEpilogue) -> Tensor {
        let n = dy.shape[0], o = outChannels, rows = geometry.columnRows, plane = geometry.outputPlane
        precondition(n == input.shape[0] && dy.count == n * o * plane, "Conv2d \(weight.name): gradient \(dy.shape) does not match the last output")
        // Weight and bias gradients are skipped together, only when neither is wanted.
        let parameterGradients = weight.accumulatesGradient || bias?.accumulatesGradient == true
        let w = weight.effective.pointer, dw = parameterGradients ? weight.grad.pointer : nil
        let db = parameterGradients ? bias?.grad.pointer : nil
        let dx = computesInputGradient ? inputGrad.tensor(input.shape) : .none
        if isPointwise {
            for i in 0..<n {
                let dyi = dy.pointer + i * o * plane
                if let dw { GEMM.multiply(transB: true, m: o, n: rows, k: plane, a: dyi, b: input.pointer + i * rows * plane, beta: 1, c: dw) }
                if computesInputGradient {
                    GEMM.multiply(transA: true, m: rows, n: plane, k: o, a: w, b: dyi, c: dx.pointer + i * rows * plane)
                }
            }
            if let db { Im2Col.sumChannels(dy.pointer, images: n, channels: o, plane: plane, into: db) }
            return dx
        }
        if let f4 = trainingF4 {
            WinogradF4.backward(input.pointer, gradOutput: dy.pointer, weight: w, weightGrad: dw, biasGrad: db, plan: f4.plan,
                                inputGradientPlan: f4.inputGradient, batch: n, workspace: workspace.base,
                                gradInput: computesInputGradient ? dx.pointer : nil)
            return dx
        }
        if let wp = winogradPlan {
            Winograd.backward(input.pointer, gradOutput: dy.pointer, weight: w, weightGrad: dw, biasGrad: db,
                              plan: wp, batch: n, workspace: workspace.base, gradInput: computesInputGradient ? dx.pointer : nil,
                              inputGradientEpilogue: inputGradientEpilogue)
            return dx
        }
        Convolution.backward(input.pointer, gradOutput: dy.pointer, weight: w, weightGrad: dw, biasGrad: db,
                             plan: plan!, batch: n, workspace: workspace.base,
                             gradInput: computesInputGradient ? dx.pointer : nil)
        return dx
    }
}
