import XCTest
import TensorCore
import Stats
import TestSupport

/// Every kernel against its plain twin in `Reference`, on sizes that take the parallel path.
final class KernelTests: XCTestCase {
    override func setUp() { Parallel.setThreads(2) }

    private func random(_ n: Int, seed: UInt64) -> [Float] {
        let r = RandomStream(seed: seed)
        return (0..<n).map { _ in r.uniform(-2, 2) }
    }

    private func tensor(_ values: [Float], _ keep: inout [TensorStorage]) -> Tensor {
        let s = TensorStorage(count: values.count)
        keep.append(s)
        let t = s.tensor(Shape(values.count))
        t.copy(from: values)
        return t
    }

    func testElementwiseKernelsMatchReference() {
        var keep: [TensorStorage] = []
        let n = 100_003
        let x = random(n, seed: 1), y = random(n, seed: 2)
        let tx = tensor(x, &keep), ty = tensor(y, &keep), out = tensor(Array(repeating: 0, count: n), &keep)

        Elementwise.relu(tx, into: out)
        XCTAssertEqual(out.toArray(), Reference.relu(x))

        Elementwise.reluBackward(output: out, gradOutput: ty, into: out)
        XCTAssertEqual(out.toArray(), Reference.reluBackward(output: Reference.relu(x), gradOutput: y))

        let t2 = tensor(y, &keep)
        Elementwise.axpy(0.25, tx, t2)
        XCTAssertEqual(t2.toArray(), Reference.axpy(0.25, x, y))

        let bias = random(7, seed: 3)
        let rows = tensor(Array(x.prefix(7 * 5000)), &keep)
        Elementwise.addRowBias(rows, bias: tensor(bias, &keep))
        XCTAssertEqual(rows.toArray(), Reference.addRowBias(Array(x.prefix(7 * 5000)), bias: bias))
    }

    func testReductionsMatchReference() {
        var keep: [TensorStorage] = []
        let (rows, cols) = (300, 130)
        let x = random(rows * cols, seed: 4)
        let tx = tensor(x, &keep)
        let out = tensor(Array(repeating: 1, count: cols), &keep)
        Reduce.sumRows(tx, into: out, accumulate: true)
        let expected = Reference.sumRows(x, cols: cols).map { $0 + 1 }
        let worst = largestDifference(expected, out.toArray())!
        XCTAssertLessThan(worst.absolute, 1e-3, "\(worst)")

        var arg = [Int32](repeating: -1, count: rows)
        arg.withUnsafeMutableBufferPointer { Reduce.argmaxRows(tx, rows: rows, into: $0.baseAddress!) }
        XCTAssertEqual(arg, Reference.argmaxRows(x, rows: rows))

        XCTAssertTrue(Reduce.allFinite(tx))
        tx[17] = .nan
        XCTAssertFalse(Reduce.allFinite(tx))
    }

    func testParallelChunksCoverRangeOnce() {
        var hits = [Int](repeating: 0, count: 100_000)
        hits.withUnsafeMutableBufferPointer { h in
            Parallel.forEach(h.count) { i in h[i] += 1 }
        }
        XCTAssertEqual(hits.min(), 1)
        XCTAssertEqual(hits.max(), 1)
    }
}
