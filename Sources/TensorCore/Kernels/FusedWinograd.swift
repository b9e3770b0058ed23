import CFusedKernels
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Winograd F(2×2, 3×3) for narrow layers and small maps in one pass per block of 16 tiles, in
/// C with AVX-512 (`CFusedKernels`): the input transform, the 16 products and the output
/// transform of a block stay in the core's caches (L1 at 16–32 channels), where the unfused `Winograd` path writes each chunk's transformed input `V` and
/// products `M` (256 KB each at 16 channels) to L2 and reads them back, and its 16 thin GEMMs
/// (`O × C` times `C × tiles`, O = C = 16) run far below the GEMM peak.
///
/// - **Forward:** `masklab_fused_winograd_images` per image (per block of 16 tiles where one
///   holds several images, as four 4×4 images: `imagesPerCall`), images spread over the lanes, then the epilogue on the images just
///   written (still in L2).
/// - **Input gradient:** for a 3×3 convolution with padding 1, `dx[c] = Σ_o conv(dy[o],
///   flip(W[o, c]))`, i.e. the same kernel on `dy` with the filters flipped and transposed
///   (`WinogradF4.flipFilters`) and the channel counts swapped, with the forward's epilogue
///   slot applying an input-gradient epilogue (`BasicBlock`'s identity shortcut gradient).
/// - **Weight gradient:** `masklab_fused_winograd_weight_gradient` per call as in the forward, adding into its
///   lane's partial `dU [16, O, C]` (images in order); `Winograd.backward` then sums the partials
///   in lane order and transforms `dU` into `dW` as on the unfused path.
///
/// The forward's and the input gradient's value for an image depend on that image's values
/// only, so they do not depend on the thread count; the weight gradient, like every lane
/// reduction here, is bit-identical run to run for a fixed thread count.
/// The kernel's own reference is the unfused path and the double-precision
/// `Reference.convolutionForward` (tests compare all three); on a CPU without AVX-512, or with
/// `MASKLAB_FUSED_WINOGRAD=0`, plans do not choose it.
public enum FusedWinograd {
    /// Whether this CPU runs the kernel (x86-64 with AVX-512F).
    public static let available: Bool = masklab_fused_winograd_available() != 0

    private static let switchedOn = Atomic<Bool>(EnvironmentSwitch.isOn("MASKLAB_FUSED_WINOGRAD"))

    /// Whether new plans may choose the kernel (default: on, unless `MASKLAB_FUSED_WINOGRAD=0`);
    /// benchmarks and tests turn it off to measure or check the unfused path. Plans keep the
    /// choice they were made with.
    public static var enabled: Bool {
        get { switchedOn.load(ordering: .relaxed) }
        set { switchedOn.store(newValue, ordering: .relaxed) }
    }

    /// The most channels (input or output) of a layer on 32×32 or 16×16 maps the kernel is
    /// chosen for. At 16 channels the unfused path spends most of its time moving `V` and `M`;
    /// from 64 its GEMMs reach the kernel's speed on 32×32 maps (1 thread on the session-25
    /// Xeon: 16 channels 2.0–2.8× faster, 32 channels 1.5–1.8×, 64 channels 0.97×).
    public static let maximumChannels = 32

    /// The most channels of a layer on maps 8 or 4 wide the kernel is chosen for. There a chunk
    /// of the unfused path has few tiles per image and its 16 GEMMs stay thin at any width
    /// (ResNet-18 width 16's 64-channel 8×8 and 128-channel 4×4 layers ran at ≈ 100 GFLOP/s
    /// counted as direct convolution, session 31, against the kernel's ≈ 185 at 64 and 128
    /// channels on 16×16 maps, session 32); wider layers go to F(4×4) (`WinogradF4.Plan.trainingApplies`).
    public static let maximumChannelsOnSmallMaps = 128

    /// Whether a Winograd F(2×2, 3×3) layer of this shape can use the kernel: a block of 16
    /// tiles is one tile row at width 32, two at 16, four at 8 and eight at 4, and each image's
    /// tile rows (`height / 2`) must be whole blocks or a whole share of one (at width 4 a block
    /// is four 4×4 images), as `masklab_fused_winograd_fits` says; input and output channels
    /// multiples of 16 (the input gradient runs the kernel with the two swapped), up to
    /// `maximumChannels` at widths 32 and 16 and `maximumChannelsOnSmallMaps` at 8 and 4.
    public static func fits(channels c: Int, outChannels o: Int, height h: Int, width w: Int) -> Bool {
        let limit = w >= 16 ? maximumChannels : maximumChannelsOnSmallMaps
        return c % 16 == 0 && o % 16 == 0 && c > 0 && o > 0 && max(c, o) <= limit
            && masklab_fused_winograd_fits(c, o, h, w) != 0 && masklab_fused_winograd_fits(o, c, h, w) != 0
    }

    /// Images per kernel call at `height × width` (`masklab_fused_winograd_images_per_call`):
    /// 1, or as many as one block holds, so that no block spans two calls.
    static func imagesPerCall(height h: Int, width w: Int) -> Int {
        masklab_fused_winograd_images_per_call(h, w)
    }

    /// Whether a plan made now for this shape chooses the kernel: it fits, the CPU has it, and it is enabled.
    public static func chosen(channels c: Int, outChannels o: Int, height h: Int, width w: Int) -> Bool {
        available && enabled && fits(channels: c, outChannels: o, height: h, width: w)
    }

    /// Scratch floats of one lane for `c` input and `o` output channels (64-byte alignment included).
    static func laneScratch(channels c: Int, outChannels o: Int) -> Int {
        masklab_fused_winograd_scratch(c, o)
    }

    /// `y [n, O, H, W]` from `x [n, C, H, W]` and the transformed weights `u [16, O, C]`, each
    /// image then passed through `epilogue`; images spread over `lanes` threads, each with
    /// `scratchStride` floats of `scratch`.
    static func forward(_ x: UnsafePointer<Float>, transformed u: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                        epilogue: OutputEpilogue, channels c: Int, outChannels o: Int, height h: Int, width w: Int,
                        batch n: Int, lanes: Int, scratch: UnsafeMutablePointer<Float>, scratchStride: Int,
                        into y: UnsafeMutablePointer<Float>) {
        precondition(available && fits(channels: c, outChannels: o, height: h, width: w),
                     "fused Winograd: shape \(c)→\(o) at \(h)×\(w) not supported here")
        precondition(scratchStride >= laneScratch(channels: c, outChannels: o), "fused Winograd: lane scratch too small")
        let plane = h * w, group = imagesPerCall(height: h, width: w)
        func run(_ lane: Int, _ images: Range<Int>) {
            let s = scratch + lane * scratchStride
            for first in stride(from: images.lowerBound, to: images.upperBound, by: group) {
                let call = first..<min(first + group, images.upperBound)
                masklab_fused_winograd_images(x + first * c * plane, call.count, u, bias, c, o, h, w, y + first * o * plane, s)
                epilogue.apply(y, channels: o, plane: plane, images: call)
            }
        }
        inLanes(lanes, batch: n, channels: c, outChannels: o, plane: plane, run)
    }

    /// Each lane's partial `dU [16, O, C]` (`partial(lane)`, overwritten) `= Σ` over its images of
    /// `dM · Vᵀ`, from the forward's input `x [n, C, H, W]` and `dy [n, O, H, W]`; images spread
    /// over `lanes` threads as in `forward`, each with `scratchStride` floats of `scratch`.
    static func weightGradient(_ x: UnsafePointer<Float>, gradOutput dy: UnsafePointer<Float>, channels c: Int,
                               outChannels o: Int, height h: Int, width w: Int, batch n: Int, lanes: Int,
                               scratch: UnsafeMutablePointer<Float>, scratchStride: Int,
                               partial: (Int) -> UnsafeMutablePointer<Float>) {
        precondition(available && fits(channels: c, outChannels: o, height: h, width: w),
                     "fused Winograd: shape \(c)→\(o) at \(h)×\(w) not supported here")
        precondition(scratchStride >= laneScratch(channels: c, outChannels: o), "fused Winograd: lane scratch too small")
        let plane = h * w, group = imagesPerCall(height: h, width: w)
        func run(_ lane: Int, _ images: Range<Int>) {
            let s = scratch + lane * scratchStride, du = partial(lane)
            precondition(du >= s + laneScratch(channels: c, outChannels: o) || du + 16 * o * c <= s,
                         "fused Winograd: lane \(lane)'s partial dU overlaps its block scratch")
            du.update(repeating: 0, count: 16 * o * c)
            for first in stride(from: images.lowerBound, to: images.upperBound, by: group) {
                let count = min(group, images.upperBound - first)
                masklab_fused_winograd_weight_gradient(x + first * c * plane, dy + first * o * plane, count, c, o, h, w, du, s)
            }
        }
        inLanes(lanes, batch: n, channels: c, outChannels: o, plane: plane, run)
    }

    /// Runs `run(lane, images)` over `min(lanes, n)` lanes (all on the calling thread when one),
    /// costed as 16 products of `O·C` per tile: 4·O·C multiply-accumulates per pixel of `plane`.
    private static func inLanes(_ lanes: Int, batch n: Int, channels c: Int, outChannels o: Int, plane: Int,
                                _ run: (Int, Range<Int>) -> Void) {
        let l = min(lanes, n)
        if l <= 1 {
            run(0, 0..<n)
            return
        }
        let cost = RegionCost.multiplyAdds(4 * n * plane * o * c, bytes: 4 * n * plane * (c + o))
        Convolution.inLanes(l, batch: n, cost: cost, run)
    }
}
