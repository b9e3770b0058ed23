import XCTest
import Foundation
import TensorCore
import Stats
import Importance
import Options
@testable import Masks

/// `masks.importance.use = drop`: importance as the probability of dropping a weight, with the
/// same mean keep rate q as `keep`, checked through the masking hook and by sampling.
final class DropByImportanceTests: XCTestCase {
    override func setUp() { Parallel.setThreads(1) }

    private func started(_ use: ImportanceUse) -> (MaskingHook, ImportanceDropConnect) {
        var c = MaskConfig(name: "importance", keep: 0.3)
        c.importance.steps = 10
        c.importance.use = use
        let (hook, _) = MaskFixtures.startedHook(c)
        let batch = MaskFixtures.Batch(seed: 1)
        withExtendedLifetime(batch) { hook.beforeForward(step: batch.step(0)) }   // refresh at iteration 0
        return (hook, hook.sampler as! ImportanceDropConnect)
    }

    /// The deterministic part: mean p = q to 1e-6, p in [p_min, 1], and p non-increasing in w
    /// (keep: non-decreasing) on the same learned importance.
    func testDropUsesTheSameImportanceReversedWithTheSameMeanKeepRate() throws {
        let (dropHook, dropSampler) = started(.drop), (keepHook, keepSampler) = started(.keep)
        let drop = try XCTUnwrap(dropHook.masks), keep = try XCTUnwrap(keepHook.masks)
        for i in drop.parameters.indices {
            let logW = try XCTUnwrap(dropSampler.solver).logImportance(i).toArray()
            XCTAssertEqual(logW, try XCTUnwrap(keepSampler.solver).logImportance(i).toArray(), "same seed ⇒ same importance")
            let pd = drop.keepProbabilities(i).toArray(), pk = keep.keepProbabilities(i).toArray()
            let n = Double(pd.count)
            XCTAssertEqual(pd.reduce(0.0) { $0 + Double($1) } / n, 0.3, accuracy: 1e-6, "drop: mean keep probability")
            XCTAssertEqual(drop.expectedKeptCounts[i], keep.expectedKeptCounts[i], accuracy: 1e-5 * n, "same expected number kept")
            let order = logW.indices.sorted { logW[$0] < logW[$1] }
            for (a, b) in zip(order, order.dropFirst()) where logW[a] < logW[b] {
                XCTAssertGreaterThanOrEqual(pd[a], pd[b], "drop: more important ⇒ kept less often")
                XCTAssertLessThanOrEqual(pk[a], pk[b], "keep: more important ⇒ kept more often")
            }
            XCTAssertGreaterThanOrEqual(pd.min()!, 0.01 - 1e-6)
            XCTAssertLessThanOrEqual(pd.max()!, 1)
            XCTAssertGreaterThan(pd.max()! - pd.min()!, 0.05, "drop probabilities should not be uniform")
        }
    }

    /// Sampling: over 400 Bernoulli masks the realised keep rate of each tensor is q within 5
    /// standard deviations (σ² = 400 · Σ p(1 − p) / (400 n)², false failure ≈ 6e-7 per tensor), and the
    /// most important tenth of the weights is kept less often than the least important tenth.
    func testSampledMasksKeepQAndDropTheImportantWeightsMore() throws {
        let (hook, sampler) = started(.drop)
        let masks = try XCTUnwrap(hook.masks), solver = try XCTUnwrap(sampler.solver)
        let draws = 400
        var kept = masks.parameters.indices.map { [Double](repeating: 0, count: masks.parameters[$0].shape.count) }
        for _ in 0..<draws {
            masks.draw()
            for i in masks.parameters.indices {
                let m = masks.multipliers(i).toArray()
                for j in m.indices where m[j] != 0 { kept[i][j] += 1 }
            }
        }
        for i in masks.parameters.indices {
            let p = masks.keepProbabilities(i).toArray().map(Double.init)
            let n = Double(p.count)
            let rate = kept[i].reduce(0, +) / (Double(draws) * n)
            let sd = (Double(draws) * p.reduce(0) { $0 + $1 * (1 - $1) }).squareRoot() / (Double(draws) * n)
            XCTAssertEqual(rate, 0.3, accuracy: 5 * sd + 1e-6, "\(masks.parameters[i].name): realised keep rate")
            let logW = solver.logImportance(i).toArray()
            let order = logW.indices.sorted { logW[$0] < logW[$1] }
            let tenth = max(1, order.count / 10)
            let low = order.prefix(tenth).map { kept[i][$0] }.reduce(0, +), high = order.suffix(tenth).map { kept[i][$0] }.reduce(0, +)
            XCTAssertLessThan(high, low, "\(masks.parameters[i].name): the most important tenth must be kept less often")
        }
    }

    func testUseIsASamplerOptionWithItsChoices() throws {
        let table = OptionTable(MaskConfig.options)
        var c = MaskConfig(name: "importance", keep: 0.2)
        try table.apply(ConfigText.json(#"{"name": "importance", "importance": {"use": "drop"}}"#, path: ""), to: &c)
        XCTAssertEqual(c.importance.use, .drop)
        XCTAssertThrowsError(try table.apply(ConfigText.json(#"{"importance": {"use": "sometimes"}}"#, path: ""), to: &c)) { error in
            XCTAssertTrue("\(error)".contains("keep") && "\(error)".contains("drop"), "\(error)")
        }
    }
}
