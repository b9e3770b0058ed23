import XCTest
import Foundation
import Stats
@testable import Experiments

/// The seed-extension rule of a pre-registered comparison: its decision from σ_d alone, and the
/// refusals when the config declares it.
final class SeedExtensionRuleTests: XCTestCase {
    private let rule = SeedExtensionRule(afterSeeds: 4, plannedSeeds: 6, contrast: 0, endpoint: 0, targetEffect: 0.02, maxSeeds: 10)

    /// Four differences with the given standard deviation (and a mean the rule must ignore).
    private func differences(sd: Double, mean: Double) -> [Double] {
        // ±a, ±a around the mean: sample sd = a·√(4/3).
        let a = sd / (4.0 / 3.0).squareRoot()
        return [mean + a, mean - a, mean + a, mean - a]
    }

    /// Study F's numbers (PROTOCOL.md): 6 seeds, 3 contrasts, target 2 points. σ_d = 0.01 needs no
    /// extension (1.88 σ_d = 1.9 points); σ_d = 0.0125 asks for the smallest n whose detectable
    /// effect is ≤ 2 points; σ_d = 0.05 cannot get there and asks for the maximum.
    func testDecisionFollowsThePowerOfThePairedTest() throws {
        let alpha = 0.05 / 3
        func detectable(_ n: Int, _ sd: Double) -> Double { PairedPower.minimumDetectableEffect(pairs: n, alpha: alpha) * sd }

        let none = try XCTUnwrap(rule.decide(differences: differences(sd: 0.01, mean: 0.03), contrasts: 3))
        XCTAssertEqual(none.sd, 0.01, accuracy: 1e-12)
        XCTAssertEqual(none.seeds, 6)
        XCTAssertEqual(none.detectableAtPlanned, detectable(6, 0.01), accuracy: 1e-12)
        XCTAssertLessThan(none.detectableAtPlanned, 0.02)

        let more = try XCTUnwrap(rule.decide(differences: differences(sd: 0.0125, mean: -0.5), contrasts: 3))
        XCTAssertGreaterThan(more.detectableAtPlanned, 0.02)
        XCTAssertGreaterThan(more.seeds, 6)
        XCTAssertLessThanOrEqual(detectable(more.seeds, 0.0125), 0.02)
        XCTAssertGreaterThan(detectable(more.seeds - 1, 0.0125), 0.02, "not the smallest sufficient seed count")
        XCTAssertEqual(more.detectableAtDecided, detectable(more.seeds, 0.0125), accuracy: 1e-12)

        let capped = try XCTUnwrap(rule.decide(differences: differences(sd: 0.05, mean: 0), contrasts: 3))
        XCTAssertEqual(capped.seeds, 10)
        XCTAssertGreaterThan(capped.detectableAtDecided, 0.02)

        // The mean never matters.
        let shifted = try XCTUnwrap(rule.decide(differences: differences(sd: 0.0125, mean: 0.4), contrasts: 3))
        XCTAssertEqual(shifted.seeds, more.seeds)
        XCTAssertEqual(shifted.sd, more.sd, accuracy: 1e-12)
        XCTAssertNil(rule.decide(differences: [0.01], contrasts: 3), "one difference has no σ_d")
        XCTAssertTrue(more.reachesTarget)
        XCTAssertFalse(capped.reachesTarget)
        // PROTOCOL.md's power table (α = 0.05/3, 80%): 1.88, 1.45, 1.22 σ_d at 6, 8, 10 seeds.
        for (n, effect) in [(6, 1.88), (8, 1.45), (10, 1.22)] {
            XCTAssertEqual(PairedPower.minimumDetectableEffect(pairs: n, alpha: alpha), effect, accuracy: 0.006, "\(n) seeds")
        }
    }

    private func config(seeds: [Int], _ ext: [String: Any]) throws -> CompareConfig {
        let base: [String: Any] = ["model": "mlp", "modelOptions": ["hidden": [8]], "dataset": "mnist", "batchSize": 16,
                                   "budget": ["epochs": 2], "masks": ["keep": 0.3]]
        let analysis: [String: Any] = ["endpoints": [["metric": "testAccuracy", "epoch": "final"]],
                                       "contrasts": [["dropconnect", "baseline"]], "reference": "baseline", "margin": 0.01, "extension": ext]
        return try CompareConfig.parse(["name": "t", "seeds": seeds, "base": base, "analysis": analysis,
                                        "arms": [["name": "baseline", "masks": NSNull()], ["name": "dropconnect", "masks": ["name": "dropconnect"]]]],
                                       path: "c.json")
    }

    func testRuleIsReadAndBadRulesAreRefused() throws {
        let good: [String: Any] = ["afterSeeds": 3, "plannedSeeds": 4, "contrast": 1, "targetEffect": 0.02, "maxSeeds": 6]
        let c = try config(seeds: [0, 1, 2, 3], good)
        XCTAssertEqual(c.analysis?.seedExtension, SeedExtensionRule(afterSeeds: 3, plannedSeeds: 4, contrast: 0, endpoint: 0, targetEffect: 0.02, maxSeeds: 6))
        let smokeRule = try XCTUnwrap(c.smoke().analysis?.seedExtension)
        XCTAssertEqual([smokeRule.afterSeeds, smokeRule.plannedSeeds], [2, 2], "the smoke run applies the rule to its two seeds")
        func refuse(_ edit: (inout [String: Any]) -> Void, seeds: [Int] = [0, 1, 2, 3], _ expected: String, line: UInt = #line) {
            var e = good
            edit(&e)
            XCTAssertThrowsError(try config(seeds: seeds, e), line: line) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(error)", line: line)
            }
        }
        refuse({ $0["contrast"] = 2 }, "\"contrast\" must be an integer in 1…1")
        refuse({ $0["endpoint"] = 2 }, "\"endpoint\" must be an integer in 1…1")
        refuse({ $0["targetEffect"] = 0 }, "\"targetEffect\" must be a number > 0")
        refuse({ $0["afterSeeds"] = nil }, "\"afterSeeds\" is required")
        refuse({ $0["after"] = 2 }, "unknown key after")
        refuse({ $0["afterSeeds"] = 5 }, "needs afterSeeds ≤ plannedSeeds ≤ maxSeeds, got 5, 4, 6")
        refuse({ $0["maxSeeds"] = 3 }, "needs afterSeeds ≤ plannedSeeds ≤ maxSeeds, got 3, 4, 3")
        refuse({ $0["plannedSeeds"] = nil }, "\"plannedSeeds\" is required")
        refuse({ _ in }, seeds: [0, 1], "the 2 seeds must be at least \"afterSeeds\" (3) and at most \"maxSeeds\" (6)")
    }
}
