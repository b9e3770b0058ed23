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
/// The input gradient runs the same way backwards (`masklab_strided_conv_input_gradient_image`,
/// where the input has a multiple of 16 channels): per block, the column gradients `Wᵀ · dy` in
/// L1, added straight into the input rows instead of a column matrix and `col2im`. The weight
/// gradient stays on the `im2col` path.
///
/// Images spread over the plan's lanes; each image's output depends on its values only (the sum
/// over `c·k·k` ascending), so it does not depend on the thread count. The kernel's reference is that path and the double-precision
/// `Reference.convolutionForward` (tests compare all three). On a CPU without AVX-512, or with
/// `MASKLAB_DIRECT_STRIDED=0`, plans do not choose it.
public enum StridedConvolution {
    private static let switchedOn = Atomic<Bool>(StridedConvolution.initiallyOn())
    private static func initiallyOn() -> Bool {
        guard let raw = getenv("MASKLAB_DIRECT_STRIDED") else { return true }
        return String(cString: raw) != "0"
    }

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

    /// Whether the input gradient of a convolution that `fits` runs directly too: the input has
    /// a multiple of 16 channels (the column gradients are computed 16 rows at a time).
    public static func fitsInputGradient(_ g: WindowGeometry, outChannels: Int) -> Bool {
        fits(g, outChannels: outChannels) && g.channels % 16 == 0
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

    /// `dx [n, C, H, W]` (overwritten) from `dy [n, O, OH, OW]` and `weight [O, C·k·k]`; the
    /// transposed weight goes to `plan.transposedWeightOffset` of `workspace`, images spread over
    /// the lanes as in `forward`.
    @usableFromInline
    static func inputGradient(_ dy: UnsafePointer<Float>, weight: UnsafePointer<Float>, plan: Convolution.Plan, batch n: Int,
                              workspace: UnsafeMutablePointer<Float>, into dx: UnsafeMutablePointer<Float>) {
        let g = plan.geometry, o = plan.outChannels, rows = g.columnRows, plane = g.outputPlane
        precondition(FusedWinograd.available && plan.directInputGradient, "strided convolution: no direct input gradient for \(g) → \(o)")
        let transposed = workspace + plan.transposedWeightOffset
        Parallel.forEachChunk(rows, costPerItem: o) { _, ks in
            for k in ks { for j in 0..<o { transposed[k * o + j] = weight[j * rows + k] } }
        }
        func run(_ lane: Int, _ images: Range<Int>) {
            let scratch = workspace + lane * plan.laneScratch
            for image in images {
                masklab_strided_conv_input_gradient_image(dy + image * o * plane, transposed, g.channels, o, g.height, g.width,
                                                          g.kernel, dx + image * g.channels * g.inputPlane, scratch)
            }
        }
        Convolution.inLanes(min(plan.lanes, n), batch: n, cost: plan.laneCost(batch: n, products: 1), run)
    }
}
