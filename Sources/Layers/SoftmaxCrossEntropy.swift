import Foundation
import TensorCore

/// Softmax followed by the negative log-likelihood, averaged over the batch (PyTorch
/// `F.cross_entropy` with mean reduction).
///
/// Shapes: logits `[N, K]`, labels N class indices in `0..<K`; `backward()` returns
/// `dlogits[i, k] = (softmax(logits_i)_k − [k = y_i]) / N`.
public final class SoftmaxCrossEntropy {
    public let classes: Int
    private var probabilities = TensorStorage(count: 0)
    private var gradient = TensorStorage(count: 0)
    private var labels: UnsafePointer<Int32>?
    private var batch = 0

    public init(classes: Int) { self.classes = classes }

    /// Allocates buffers for up to `batch` rows.
    public func prepare(batch: Int) {
        probabilities = TensorStorage(count: batch * classes)
        gradient = TensorStorage(count: batch * classes)
    }

    /// Mean loss over the batch (accumulated in double) and the number of rows whose argmax
    /// equals the label (first index on ties).
    public func forward(logits: Tensor, labels: UnsafePointer<Int32>) -> (loss: Double, correct: Int) {
        let n = logits.shape[0], k = classes
        precondition(logits.shape.rowSize == k, "cross-entropy: logits \(logits.shape) do not have \(k) classes")
        self.labels = labels
        batch = n
        let lp = logits.pointer, pp = probabilities.base
        var total = 0.0
        var correct = 0
        for i in 0..<n {
            let row = lp + i * k, prow = pp + i * k
            var mx = row[0], arg = 0
            for j in 1..<k where row[j] > mx { mx = row[j]; arg = j }
            var z: Float = 0
            for j in 0..<k { let e = expf(row[j] - mx); prow[j] = e; z += e }
            let inv = 1 / z
            for j in 0..<k { prow[j] *= inv }
            let y = Int(labels[i])
            precondition(y >= 0 && y < k, "label \(y) out of range 0..<\(k) in row \(i)")
            total += Double(mx) + log(Double(z)) - Double(row[y])
            if arg == y { correct += 1 }
        }
        return (total / Double(max(n, 1)), correct)
    }

    /// Gradient of the mean loss with respect to the logits of the last `forward`.
    public func backward() -> Tensor {
        let n = batch, k = classes
        let pp = probabilities.base, gp = gradient.base
        let inv = 1 / Float(n)
        for i in 0..<n {
            for j in 0..<k { gp[i * k + j] = pp[i * k + j] * inv }
            gp[i * k + Int(labels![i])] -= inv
        }
        return gradient.tensor(Shape(n, k))
    }
}
