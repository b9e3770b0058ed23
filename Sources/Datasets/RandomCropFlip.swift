import TensorCore
import Stats

/// Pad by `padding` pixels, crop a random window of the original size, flip horizontally with
/// probability `flipProbability`: the standard CIFAR-10 augmentation (torchvision's
/// `RandomCrop(32, padding: 4)` + `RandomHorizontalFlip()`).
///
/// Per sample it draws, in this order, the crop's row offset `dy` and column offset `dx` (each
/// uniform in `0...2·padding`, `integer(below:)`) and then the flip (`bernoulli`). Output pixel
/// `(c, y, x)` is the padded image at `(c, y + dy, x' + dx)` with `x' = W − 1 − x` when flipped,
/// else `x`; padded pixels outside the image take `fill[c]`.
///
/// torchvision pads the *raw* image with black before `Normalize`, so to match it `fill[c]` is
/// black after normalisation, `(0 − mean[c]) / std[c]` (`init(padding:normalisedBlackFor:)`).
public struct RandomCropFlip: Augmentation {
    public let padding: Int
    public let flipProbability: Double
    /// Value of padded pixels per channel (in normalised units).
    public let fill: [Float]

    public init(padding: Int = 4, flipProbability: Double = 0.5, fill: [Float]) {
        precondition(padding >= 0, "padding must be ≥ 0, got \(padding)")
        self.padding = padding
        self.flipProbability = flipProbability
        self.fill = fill
    }

    /// Pads with black in the raw image, i.e. `−mean[c]/std[c]` after normalisation (torchvision's behaviour).
    public init(padding: Int = 4, flipProbability: Double = 0.5, normalisedBlackFor mean: [Float], std: [Float]) {
        self.init(padding: padding, flipProbability: flipProbability,
                  fill: zip(mean, std).map { (0 - $0) / $1 })
    }

    public func apply(_ sample: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, shape: Shape, rng: RandomStream) {
        let dy = rng.integer(below: 2 * padding + 1)
        let dx = rng.integer(below: 2 * padding + 1)
        let flip = rng.bernoulli(flipProbability)
        cropFlip(sample, scratch: scratch, shape: shape, dy: dy, dx: dx, flip: flip)
    }

    /// The deterministic part: crop at offsets (`dy`, `dx`) in the padded image, then flip if asked.
    public func cropFlip(_ sample: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, shape: Shape,
                         dy: Int, dx: Int, flip: Bool) {
        let channels = shape[0], h = shape[1], w = shape[2]
        precondition(fill.count == channels, "fill has \(fill.count) channels, sample \(shape)")
        if dy == padding && dx == padding && !flip { return }   // identity
        scratch.update(from: sample, count: shape.count)
        for c in 0..<channels {
            let src = scratch + c * h * w, dst = sample + c * h * w
            let value = fill[c]
            for y in 0..<h {
                let sy = y + dy - padding
                let row = dst + y * w
                guard sy >= 0 && sy < h else {
                    row.update(repeating: value, count: w)
                    continue
                }
                let srcRow = src + sy * w
                for x in 0..<w {
                    let sx = (flip ? w - 1 - x : x) + dx - padding
                    row[x] = (sx >= 0 && sx < w) ? srcRow[sx] : value
                }
            }
        }
    }
}
