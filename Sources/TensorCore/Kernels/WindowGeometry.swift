/// The sizes of a square window swept over `[N, C, H, W]` images: a convolution or a pooling.
///
/// Output sizes follow PyTorch: `OH = ⌊(H + 2·padding − kernel) / stride⌋ + 1`, likewise `OW`.
/// The lowering of a convolution uses `columnRows = C·K·K` rows (`r = (c·K + kh)·K + kw`, the
/// OIHW order of the weight's inner dimensions) and `outputPlane = OH·OW` columns per image.
public struct WindowGeometry: Sendable, Equatable, CustomStringConvertible {
    public let channels: Int, height: Int, width: Int
    public let kernel: Int, stride: Int, padding: Int
    public let outHeight: Int, outWidth: Int

    public init(channels: Int, height: Int, width: Int, kernel: Int, stride: Int = 1, padding: Int = 0) {
        precondition(channels > 0 && height > 0 && width > 0, "window over empty images: C \(channels), H \(height), W \(width)")
        precondition(kernel > 0 && stride > 0 && padding >= 0, "bad window: kernel \(kernel), stride \(stride), padding \(padding)")
        precondition(height + 2 * padding >= kernel && width + 2 * padding >= kernel,
                     "kernel \(kernel) larger than padded image \(height)×\(width) (padding \(padding))")
        self.channels = channels
        self.height = height
        self.width = width
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        outHeight = (height + 2 * padding - kernel) / stride + 1
        outWidth = (width + 2 * padding - kernel) / stride + 1
    }

    /// `H·W`, the elements of one input channel.
    @inlinable public var inputPlane: Int { height * width }
    /// `OH·OW`, the elements of one output channel.
    @inlinable public var outputPlane: Int { outHeight * outWidth }
    /// `C·K·K`, the rows of the column matrix (the inner size of a convolution weight).
    @inlinable public var columnRows: Int { channels * kernel * kernel }
    /// Whether the window is "same": stride 1 and an output the size of the input (3×3 with
    /// padding 1, 1×1 with none), so `Im2Col` lowers it by shifted block copies, without a table.
    @inlinable public var isSame: Bool { stride == 1 && outHeight == height && outWidth == width }

    public var description: String {
        "\(channels)×\(height)×\(width) k\(kernel) s\(stride) p\(padding) → \(outHeight)×\(outWidth)"
    }
}
