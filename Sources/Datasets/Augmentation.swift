import TensorCore
import Stats

/// A random transformation of one training sample, applied after normalisation.
///
/// `BatchLoader` calls `apply` for each sample of batch `b` in epoch `e`, in batch order, with
/// one stream `streams.stream(.augmentation, e, b)` per batch, so the result is a pure function
/// of (seed, epoch, batch) whichever thread prepares it.
public protocol Augmentation: Sendable {
    /// Transforms one normalised sample of `shape` (CHW) in place, using `scratch` (same size) if needed.
    func apply(_ sample: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, shape: Shape, rng: RandomStream)
}
