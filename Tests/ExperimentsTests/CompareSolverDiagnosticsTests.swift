import XCTest
import Foundation
@testable import Experiments

/// The report's table of how far the solver moved w, from the diagnostic columns of `importance.csv`.
final class CompareSolverDiagnosticsTests: XCTestCase {
    func testTableAveragesTheDiagnosticColumnsAndCountsRises() throws {
        let base: [String: Any] = ["model": "mlp", "modelOptions": ["hidden": [8]], "dataset": "mnist", "batchSize": 16, "budget": ["epochs": 1],
                                   "masks": ["keep": 0.3, "target": "gradients", "importance": ["steps": 5, "eta": 0.05]]]
        let compare = try CompareConfig.parse(["name": "t", "seeds": [0, 1], "base": base,
                                               "arms": [["name": "impacts", "masks": ["name": "importance"]], ["name": "dropconnect", "masks": ["name": "dropconnect"]]]],
                                              path: "c.json")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("solver-diag-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let layout = CompareLayout(directory: dir)
        XCTAssertNil(CompareSolverDiagnostics.markdown(compare, layout: layout), "no logs, no table")
        let header = "iteration,epoch,refresh,tensor,entries,seconds,kl_from_start,phi_solve_before,phi_solve_after,phi_heldout_before,phi_heldout_after,share_p1,share_pmin"
        let seeds = ["0,0,0,fc1.weight,10,0.1,1,2,3,2,1,0.1,0.5\n0,0,0,fc2.weight,10,0.1,3,2,1,2,3,0.3,0.7\n",
                     "0,0,0,fc1.weight,10,0.1,2,2,1,2,1,0.2,0.6\n"]
        for (seed, rows) in seeds.enumerated() {
            let run = layout.run(arm: "impacts", seed: UInt64(seed)).directory
            try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
            try (header + "\n" + rows).write(to: run.appendingPathComponent("importance.csv"), atomically: true, encoding: .utf8)
        }
        let md = try XCTUnwrap(CompareSolverDiagnostics.markdown(compare, layout: layout))
        XCTAssertTrue(md.contains("| impacts | 5, 0.05, rms | 3 | 2 [1, 3] | 2 → 1.667 | 2 → 1.667 | 1 / 1 | 0.2 | 0.6 |"), md)
        XCTAssertFalse(md.contains("dropconnect"), "only importance arms")
    }
}
