import XCTest
import Foundation
@testable import Importance
import Masks
@testable import Experiments

/// `masklab importance`'s movement columns: the solve's report in the declared order, empty cells
/// for NaN, and the shares at p = 1 and p_min of the keep probabilities as training draws them.
final class ImportanceMovementTests: XCTestCase {
    private func report() -> SolveReport {
        var r = SolveReport()
        (r.klFromStart, r.solveBefore, r.solveAfter) = ([0.25], [2.5], [1.5])
        (r.heldOutBefore, r.heldOutAfter, r.finalEta, r.rejectedSteps) = ([Double.nan], [Double.nan], [0.0125], [3])
        return r
    }

    private func masks(_ name: String, keep: Double, sampling: MaskSampling = .bernoulli) -> MaskConfig {
        var m = MaskConfig(name: name, keep: keep)
        m.minKeep = 0.01
        m.sampling = sampling
        return m
    }

    /// w ∝ [1000, 1, 1e-9, 1e-9]: at q = 0.5 (Σp = 2) p = [1, 0.98, 0.01, 0.01], one weight at 1 and
    /// two at p_min; at q = 0.3 (Σp = 1.2) p = [1, 0.18, 0.01, 0.01], the same shares; but exact-k
    /// rounds 0.3 · 4 to 1 kept weight, q = 0.25, and then p = [0.97, 0.01, 0.01, 0.01]: none at 1.
    func testColumnsAndSharesAsTrainingCountsThem() {
        let logW = [Float(log(1000.0)), 0, Float(log(1e-9)), Float(log(1e-9))]
        func cells(_ m: MaskConfig?) -> [String] {
            logW.withUnsafeBufferPointer { ImportanceHistograms.movement(report(), target: 0, logW: $0, masks: m) }
                .split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        XCTAssertEqual(ImportanceHistograms.movementColumns.split(separator: ",").count, 9)
        XCTAssertEqual(Array(cells(nil)), ["0.25", "2.5", "1.5", "", "", "0.0125", "3", "", ""], "no held-out batch and no masks: empty cells")
        XCTAssertEqual(Array(cells(masks("importance", keep: 0.5)).suffix(2)), ["0.25", "0.5"])
        XCTAssertEqual(Array(cells(masks("importance", keep: 0.3)).suffix(2)), ["0.25", "0.5"])
        XCTAssertEqual(Array(cells(masks("importance", keep: 0.3, sampling: .exactK)).suffix(2)), ["0.0", "0.75"], "exact-k's rounded keep rate")
        XCTAssertEqual(Array(cells(masks("dropconnect", keep: 0.5)).suffix(2)), ["", ""], "not an importance sampler: no shares")
    }
}
