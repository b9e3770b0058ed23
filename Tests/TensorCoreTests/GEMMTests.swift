import XCTest
import TensorCore
import Stats
import TestSupport

final class GEMMTests: XCTestCase {
    /// The process must bind `cblas_sgemm` to OpenBLAS: libgsl pulls in libgslcblas, which
    /// defines the same symbol with a naive implementation ~50× slower.
    func testSGEMMBindsToOpenBLAS() throws {
        // Stats links GSL (and with it libgslcblas); touch it so the library is surely loaded.
        _ = RandomStream(seed: 1).uniform()
        let linked = try XCTUnwrap(BLASInfo.linkedSGEMMLibrary, "dladdr found no library for cblas_sgemm")
        XCTAssertTrue(linked.contains("openblas"), "cblas_sgemm is linked from \(linked), not OpenBLAS")
        XCTAssertFalse(linked.contains("gslcblas"), "cblas_sgemm is linked from \(linked)")
        let looked = try XCTUnwrap(BLASInfo.library(definingSymbol: "cblas_sgemm"))
        XCTAssertTrue(looked.contains("openblas"), "dlsym(cblas_sgemm) resolves to \(looked)")
        XCTAssertTrue(BLASInfo.openBLASConfig.contains("OpenBLAS"), BLASInfo.openBLASConfig)
    }

    /// All four transpose combinations against the naive reference, with non-zero beta.
    func testGEMMMatchesReferenceForAllTransposes() {
        let rng = RandomStream(seed: 7)
        let (m, n, k) = (7, 5, 9)
        for transA in [false, true] {
            for transB in [false, true] {
                let a = (0..<(m * k)).map { _ in rng.uniform(-1, 1) }
                let b = (0..<(k * n)).map { _ in rng.uniform(-1, 1) }
                let c0 = (0..<(m * n)).map { _ in rng.uniform(-1, 1) }
                let sa = TensorStorage(count: a.count), sb = TensorStorage(count: b.count), sc = TensorStorage(count: c0.count)
                sa.tensor(Shape(a.count)).copy(from: a)
                sb.tensor(Shape(b.count)).copy(from: b)
                sc.tensor(Shape(c0.count)).copy(from: c0)
                GEMM.multiply(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.5,
                              a: sa.base, b: sb.base, beta: 2, c: sc.base)
                let expected = Reference.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.5,
                                              a: a, b: b, beta: 2, c: c0)
                let worst = largestDifference(expected, sc.tensor(Shape(m * n)).toArray())!
                XCTAssertLessThan(worst.absolute, 1e-5, "transA=\(transA) transB=\(transB): \(worst)")
            }
        }
    }

    func testTensorFormChecksShapes() {
        let s = TensorStorage(count: 6 + 6 + 4)
        let a = s.tensor(Shape(2, 3)), b = s.tensor(Shape(2, 3), offset: 6), c = s.tensor(Shape(2, 2), offset: 12)
        a.copy(from: [1, 2, 3, 4, 5, 6]); b.copy(from: [1, 0, 1, 0, 1, 0])
        GEMM.multiply(a, b, transB: true, into: c) // a · bᵀ
        XCTAssertEqual(c.toArray(), [4, 2, 10, 5])
    }

    /// With two threads, products below `GEMM.serialMACs` run whole and larger ones are split by
    /// columns (n ≥ m) or by rows (m > n); every transpose combination matches the reference,
    /// and the split result is the same from run to run.
    func testSplitProductsMatchTheReference() {
        Parallel.setThreads(2)
        defer { Parallel.setThreads(1) }
        let rng = RandomStream(seed: 3)
        for (m, n, k) in [(6, 5, 4), (96, 321, 160), (333, 64, 200)] {
            XCTAssertEqual(m * n * k < GEMM.serialMACs, m == 6)
            for (transA, transB) in [(false, false), (true, false), (false, true), (true, true)] {
                let a = (0..<(m * k)).map { _ in rng.uniform(-1, 1) }, b = (0..<(k * n)).map { _ in rng.uniform(-1, 1) }
                let c0 = (0..<(m * n)).map { _ in rng.uniform(-1, 1) }
                let s = TensorStorage(count: a.count + b.count + m * n)
                s.tensor(Shape(a.count)).copy(from: a)
                s.tensor(Shape(b.count), offset: a.count).copy(from: b)
                var runs: [[Float]] = []
                for _ in 0..<2 {
                    s.tensor(Shape(m * n), offset: a.count + b.count).copy(from: c0)
                    GEMM.multiply(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.5, a: s.base, b: s.base + a.count,
                                  beta: 2, c: s.base + a.count + b.count)
                    runs.append(s.tensor(Shape(m * n), offset: a.count + b.count).toArray())
                }
                XCTAssertEqual(runs[0], runs[1])
                let expected = Reference.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.5, a: a, b: b, beta: 2, c: c0)
                let worst = largestDifference(expected, runs[0])!
                XCTAssertLessThan(worst.absolute, 1e-3, "\(m)×\(n)×\(k) transA \(transA) transB \(transB): \(worst)")
            }
        }
    }
}
