import CFusedKernels
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The forward of stride-2 convolutions (3×3 with padding 1, 1×1 without) computed directly, in
/// C with AVX-512 (`masklab_strided_conv_image`), one block of 16 output pixels at a time: the
/// block's columns (im2col's `C·k·k` rows for those 16 pixels) are built in L1 from even/odd
/// splits of the input rows and multiplied by the weight as stored (`[O, C·k·k]`), 16 output
/// channels at a time in registers. The `im2col` lowering writes the whole chunk's columns
/// (2.25× the input at 3×3 stride 2) to memory, reads them back in a GEMM with only `O` rows, and
/// copies the product into NCHW; at ResNet-18 width 16 those layers ran at 27–63 GFLOP/s against
/// 133–144 for the stride-1 layers (`results/bench/session29-layers`).
///
/// The backward runs the same way where the input has a multiple of 16 channels: per block, the
/// column gradients `Wᵀ · dy` in L1, added straight into the input rows instead of a column
/// matrix and `col2im` (`masklab_strided_conv_input_gradient_image`), and, where the weight
/// gradient is small enough to stay in cache (`maximumWeightGradient`), the weight gradient from
/// the block's columns and `dy` (`masklab_strided_conv_weight_gradient_image`: the columns
/// transposed 16 rows at a time in registers, outer products added four output channels at a
/// time). Larger weight gradients stay on the `im2col` path.
///
/// Images spread over the plan's lanes. Each image's output and input gradient depend on its
/// values only (the sums in a fixed order), so they do not depend on the thread count; the weight
/// and bias gradients sum each lane's images into its own partial, added in lane order, so they
/// are bit-identical run to run for a fixed lane count. The kernels' references are the `im2col`
/// path and the double-precision definition (tests compare all three). On a CPU without AVX-512, or with
/// `MASKLAB_DIRECT_STRIDED=0`, plans do not choose it.
public enum StridedConvolution {
    private static let switchedOn = Atomic<Bool>(EnvironmentSwitch.isOn("MASKLAB_DIRECT_STRIDED"))

    /// Whether new plans may choose the kernel (default: on, unless `MASKLAB_DIRECT_STRIDED=0`);
    /// tests and benchmarks turn it off to check or time the `im2col` path. Plans keep the choice
    /// they were made with.
    public static var enabled: Bool {
        get { switchedOn.load(ordering: .relaxed) }
        set { switchedOn.store(newValue, ordering: .relaxed) }
    }

    /// Whether the kernel computes a convolution of this window with `outChannels` outputs:
    /// stride 2, 3×3 with padding 1 or 1×1 with padding 0, an output 16, 8 or 4 wide whose
    /// blocks of 16 pixels are whole rows, and `outChannels` a multiple of 16.
    public static func fits(_ g: WindowGeometry, outChannels: Int) -> Bool {
        g.stride == 2 && ((g.kernel == 3 && g.padding == 1) || (g.kernel == 1 && g.padding == 0))
            && masklab_strided_conv_fits(g.channels, outChannels, g.height, g.width, g.kernel) != 0
    }

    /// Whether a plan made now for this shape chooses the kernel: it fits, the layer is narrow
    /// enough (`maximumColumnRows`, `maximumOutChannels`), the CPU has it, and it is enabled.
    public static func chosen(_ g: WindowGeometry, outChannels: Int) -> Bool {
        FusedWinograd.available && enabled && fits(g, outChannels: outChannels)
            && g.columnRows <= maximumColumnRows && outChannels <= maximumOutChannels
    }

    /// The most column rows (`C·k·k`) a layer the kernel is chosen for may have: a block's columns
    /// (`16·C·k·k` floats, 36 KB here) then stay in L1 while every 16 output channels read them.
    /// Measured (`bench --layers`, 1 thread, session 29): ResNet-18 width 64's 128→256 and 256→512
    /// stride-2 3×3 layers (1152 and 2304 rows) ran their forward 2–28% slower than the im2col
    /// path, the 64→128 one (576 rows) as fast; width 16's (144–576 rows) 1.2–1.6× faster.
    public static let maximumColumnRows = 576
    /// The most output channels: width 64's 256→512 1×1 shortcut (512 outputs) ran 11% slower
    /// in all (forward and input gradient) than the im2col path; its 64→128 and 128→256 ones
    /// 4–5% faster.
    public static let maximumOutChannels = 256

    /// Whether the backward of a convolution that `fits` runs directly too: the input has a
    /// multiple of 16 channels (the column gradients are computed, and the columns transposed
    /// for the weight gradient, 16 rows at a time).
    public static func fitsBackward(_ g: WindowGeometry, outChannels: Int) -> Bool {
        fits(g, outChannels: outChannels) && g.channels % 16 == 0
    }

    /// The most weight-gradient floats (`O·C·k·k`) for which the weight gradient runs directly:
    /// every block of 16 pixels adds into the whole gradient, which must stay in L1/L2 for that
    /// to pay. Measured (`bench --layers`, 1 thread, session 30): width 16's stride-2 layers with
    /// 512–18 432 floats ran their backward 1.10–1.41× faster than with the im2col weight gradient,
    /// the 64→128 3×3 one (73 728) as fast, and width 64's 64→128 3×3 one (73 728) about 8% slower.
    public static let maximumWeightGradient = 32768

    /// Whether the weight gradient of a layer whose backward `fits` runs directly (its gradient
    /// has at most `maximumWeightGradient` floats).
    public static func directWeightGradient(_ g: WindowGeometry, outChannels: Int) -> Bool {
        outChannels * g.columnRows <= maximumWeightGradient
    }

    /// Scratch floats one lane needs (64-byte alignment included).
    public static func laneScratch(_ g: WindowGeometry, outChannels: Int) -> Int {
        masklab_strided_conv_scratch(g.channels, g.kernel, outChannels)
    }

    /// `y [n, O, OH, OW]` from `x [n, C, H, W]` and `weight [O, C·k·k]` (+ `bias [O]`), each image
    /// then passed through `epilogue`; images spread over `plan.lanes` threads, lane `l` using the
    /// `plan.laneScratch` floats at `workspace + l · plan.laneScratch`.
    @usableFromInline
    static func forward(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                        epilogue: OutputEpilogue, plan: Convolution.Plan, batch n: Int,
                        workspace: UnsafeMutablePointer<Float>, into y: UnsafeMutablePointer<Float>) {
        let g = plan.geometry, o = plan.outChannels, plane = g.outputPlane
        precondition(FusedWinograd.available && fits(g, outChannels: o), "strided convolution: \(g) → \(o) not supported here")
        precondition(plan.laneScratch >= laneScratch(g, outChannels: o), "strided convolution: lane scratch too small")
        func run(_ lane: Int, _ images: Range<Int>) {
            let scratch = workspace + lane * plan.laneScratch
            for image in images {
                masklab_strided_conv_image(x + image * g.channels * g.inputPlane, weight, bias, g.channels, o,
                                           g.height, g.width, g.kernel, y + image * o * plane, scratch)
                epilogue.apply(y, channels: o, plane: plane, images: image..<(image + 1))
            }
        }
        Convolution.inLanes(min(plan.lanes, n), batch: n, cost: plan.laneCost(batch: n, products: 1), run)
    }

    /// The backward: accumulates `weightGrad [O, C·k·k]` (and `biasGrad [O]`) when given (only
    /// where `plan.directWeightGradient`), and writes `dx [n, C, H, W]` when given, from `x`, `dy [n, O, OH, OW]` and `weight [O, C·k·k]`.
    /// Images spread over the lanes as in `forward`, each image's weight gradient (then its input
    /// gradient, while its `dy` is in cache) in one pass of its lane: lane 0 accumulates into the
    /// gradients, the others into partials added in lane order at the end (`Convolution`'s
    /// scheme, so the bits depend on the lane count, as the `im2col` path's do). The transposed
    /// weight goes to `plan.transposedWeightOffset` of `workspace`.
    @usableFromInline
    static func backward(_ x: UnsafePointer<Float>, gradOutput dy: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                         weightGrad: UnsafeMutablePointer<Float>?, biasGrad: UnsafeMutablePointer<Float>?,
                         plan: Convolution.Plan, batch n: Int, workspace: UnsafeMutablePointer<Float>,
                         gradInput dx: UnsafeMutablePointer<Float>?) {
        let g = plan.geometry, o = plan.outChannels, rows = g.columnRows, plane = g.outputPlane
        precondition(FusedWinograd.available && plan.directInputGradient && (weightGrad == nil || plan.directWeightGradient),
                     "strided convolution: no direct backward for \(g) → \(o)")
        let transposed = workspace + plan.transposedWeightOffset
        if dx != nil {
            Parallel.forEachChunk(rows, costPerItem: o) { _, ks in
                for k in ks { for j in 0..<o { transposed[k * o + j] = weight[j * rows + k] } }
            }
        }
        let lanes = min(plan.lanes, n)
        let products = weightGrad != nil && dx != nil ? 2 : 1
        Convolution.inLanes(lanes, batch: n, cost: plan.laneCost(batch: n, products: products)) { lane, images in
            let scratch = workspace + lane * plan.laneScratch
            let gradients = Convolution.laneGradients(plan, lane: lane, lanes: lanes, workspace: workspace,
                                                      weightGrad: weightGrad, biasGrad: biasGrad)
            for image in images {
                let dyi = dy + image * o * plane, xi = x + image * g.channels * g.inputPlane
                if let (dw, db) = gradients {
                    masklab_strided_conv_weight_gradient_image(xi, dyi, g.channels, o, g.height, g.width, g.kernel, dw, scratch)
                    if let db { Im2Col.sumChannels(dy, channels: o, plane: plane, images: image..<(image + 1), into: db) }
                }
                if let dx {
                    masklab_strided_conv_input_gradient_image(dyi, transposed, g.channels, o, g.height, g.width, g.kernel,
                                                              dx + image * g.channels * g.inputPlane, scratch)
                }
            }
        }
        Convolution.addLanePartials(plan, lanes: lanes, workspace: workspace, weightGrad: weightGrad, biasGrad: biasGrad)
    }
}
