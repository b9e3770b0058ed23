import XCTest
@testable import Training

/// Schedules at chosen iterations against values worked out by hand from PyTorch's formulas.
final class ScheduleTests: XCTestCase {
    private func make(_ c: ScheduleConfig, base: Float = 0.1, total: Int, perEpoch: Int) throws -> any LearningRateSchedule {
        try ScheduleRegistry.make(c, context: ScheduleContext(baseLearningRate: base, totalIterations: total, iterationsPerEpoch: perEpoch))
    }

    private func check(_ s: any LearningRateSchedule, _ expected: [(Int, Double)], _ what: String,
                       file: StaticString = #filePath, line: UInt = #line) {
        for (t, want) in expected {
            let got = Double(s.learningRate(at: t))
            XCTAssertEqual(got, want, accuracy: 1e-7 * max(1, abs(want)) + 1e-12, "\(what) at t = \(t)", file: file, line: line)
        }
    }

    func testConstant() throws {
        check(try make(ScheduleConfig(name: "constant"), total: 100, perEpoch: 10), [(0, 0.1), (57, 0.1), (99, 0.1)], "constant")
    }

    /// StepLR(step_size 2, γ 0.5), 10 iterations per epoch: epochs 0–1 at 0.1, 2–3 at 0.05, 4–5 at 0.025.
    func testStep() throws {
        let s = try make(ScheduleConfig(name: "step", stepEpochs: 2, gamma: 0.5), total: 100, perEpoch: 10)
        check(s, [(0, 0.1), (19, 0.1), (20, 0.05), (39, 0.05), (45, 0.025)], "step")
    }

    /// MultiStepLR(milestones [1, 3], γ 0.1), 10 per epoch: epoch 0 0.1; 1–2 0.01; 3+ 0.001.
    func testMultiStep() throws {
        let s = try make(ScheduleConfig(name: "multistep", gamma: 0.1, milestones: [3, 1]), total: 100, perEpoch: 10)
        check(s, [(9, 0.1), (10, 0.01), (29, 0.01), (30, 0.001), (99, 0.001)], "multistep")
    }

    /// CosineAnnealingLR(T_max 100, η_min 0.001) per iteration:
    /// t = 25: 0.001 + 0.099·(1 + cos(π/4))/2 = 0.001 + 0.099·0.8535534 = 0.08550178;
    /// t = 50: 0.0505; t = 100: 0.001.
    func testCosine() throws {
        let s = try make(ScheduleConfig(name: "cosine", minimumLearningRate: 0.001), total: 100, perEpoch: 10)
        check(s, [(0, 0.1), (25, 0.0855017783), (50, 0.0505), (100, 0.001)], "cosine")
    }

    /// LinearLR(start 0.1, total 10) chained with constant 0.1: t = 0 → 0.01, t = 5 → 0.1·(0.1 + 0.9·0.5)
    /// = 0.055, t ≥ 10 → 0.1. Over cosine (T 100): t = 5 → 0.055 · cos-factor(5) = 0.055 · 0.99384417.
    func testWarmup() throws {
        let c = try make(ScheduleConfig(name: "constant", warmupIterations: 10, warmupStartFactor: 0.1), total: 100, perEpoch: 10)
        check(c, [(0, 0.01), (5, 0.055), (9, 0.1 * (0.1 + 0.9 * 0.9)), (10, 0.1), (50, 0.1)], "warm-up over constant")
        let w = try make(ScheduleConfig(name: "cosine", warmupIterations: 10, warmupStartFactor: 0.1), total: 100, perEpoch: 10)
        check(w, [(5, 0.055 * (1 + cos(Double.pi * 0.05)) / 2), (50, 0.05)], "warm-up over cosine")
    }

    /// OneCycleLR(max_lr 0.1, total_steps 70), defaults pct_start 0.3, div 25, final_div 1e4:
    /// initial 0.004, final 4e-7; phase 1 ends at step 0.3·70 − 1 = 20, phase 2 at 69.
    /// t = 10: pct 0.5 → 0.1 + (0.004 − 0.1)/2·(cos(π/2) + 1) = 0.052; t = 20: 0.1;
    /// t = 49: pct 29/49 → 4e-7 + (0.1 − 4e-7)/2·(cos(29π/49) + 1); t = 69: 4e-7.
    func testOneCycle() throws {
        let s = try make(ScheduleConfig(name: "onecycle"), total: 70, perEpoch: 7)
        let t49 = 4e-7 + (0.1 - 4e-7) / 2 * (cos(Double.pi * 29 / 49) + 1)
        check(s, [(0, 0.004), (10, 0.052), (20, 0.1), (49, t49), (69, 4e-7)], "onecycle")
    }

    func testRegistryErrors() {
        XCTAssertThrowsError(try make(ScheduleConfig(name: "exponential"), total: 10, perEpoch: 1)) { error in
            XCTAssertEqual(error as? ScheduleError,
                           .unknown(name: "exponential", valid: ["constant", "step", "multistep", "cosine", "onecycle"]))
        }
        XCTAssertThrowsError(try make(ScheduleConfig(name: "step", stepEpochs: 0), total: 10, perEpoch: 1)) { error in
            guard case ScheduleError.invalidParameter(schedule: "step", _) = error else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try make(ScheduleConfig(name: "onecycle", pctStart: 1.5), total: 10, perEpoch: 1))
    }

    func testBudget() throws {
        XCTAssertEqual(Budget.epochs(3).totalIterations(iterationsPerEpoch: 8), 24)
        XCTAssertEqual(Budget.iterations(20).epochs(iterationsPerEpoch: 8), 3)
        let decoded = try JSONDecoder().decode(Budget.self, from: Data(#"{"iterations": 500}"#.utf8))
        XCTAssertEqual(decoded, .iterations(500))
        XCTAssertEqual(String(decoding: try JSONEncoder().encode(Budget.epochs(4)), as: UTF8.self), #"{"epochs":4}"#)
        XCTAssertThrowsError(try JSONDecoder().decode(Budget.self, from: Data(#"{"epochs": 1, "iterations": 2}"#.utf8)))
    }
}
