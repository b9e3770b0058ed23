import XCTest
import Foundation
@testable import Experiments

/// The report's record of where the runs ran: grouped by commit, machine and BLAS line, and the
/// seeds whose arms ran on different CPU models or kernel sets named.
final class CompareRunOriginsTests: XCTestCase {
    func testRunsAreGroupedAndMixedSeedsNamed() throws {
        let base: [String: Any] = ["model": "mlp", "dataset": "mnist", "budget": ["epochs": 1], "masks": ["keep": 0.5]]
        let compare = try CompareConfig.parse(["name": "t", "seeds": [0, 1, 2], "base": base,
                                               "arms": [["name": "a", "masks": ["name": "dropconnect"]], ["name": "b", "masks": ["name": "dropconnect"]]]],
                                              path: "c.json")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("origins-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let layout = CompareLayout(directory: dir)
        XCTAssertEqual(CompareRunOrigins(compare, layout: layout).markdown, "", "no runs, no paragraph")
        let xeon = "machine: Linux 6.18.44-fc-v595 x86_64, Intel(R) Xeon(R) Processor, 2 cores\nblas: OpenBLAS 0.3.21 SkylakeX"
        let xeonOtherKernel = "machine: Linux 6.18.44-fc-v999 x86_64, Intel(R) Xeon(R) Processor, 2 cores\nblas: OpenBLAS 0.3.21 SkylakeX"
        let epyc = "machine: Linux 6.18.44-fc-v857 x86_64, AMD EPYC, 2 cores\nblas: OpenBLAS 0.3.21 Cooperlake"
        func write(_ arm: String, _ seed: UInt64, commit: String, _ machine: String) throws {
            let run = layout.run(arm: arm, seed: seed).directory
            try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
            try "command: masklab train\ncommit: \(commit)\n\(machine)\ndate: x\n".write(to: run.appendingPathComponent("command.txt"), atomically: true, encoding: .utf8)
        }
        // Seed 0 on the Xeon (two VM kernel builds: one CPU model), seed 1 split, seed 2 on the EPYC.
        try write("a", 0, commit: "64bb8bf", xeon)
        try write("b", 0, commit: "64bb8bf", xeonOtherKernel)
        try write("a", 1, commit: "64bb8bf", xeon)
        try write("b", 1, commit: "7a62981", epyc)
        try write("a", 2, commit: "7a62981", epyc)
        // A resumed run: its latest invocation comes first, the earlier one below the separator.
        let resumed = layout.run(arm: "a", seed: 2).directory.appendingPathComponent("command.txt")
        let latest = try String(contentsOf: resumed, encoding: .utf8)
        try (latest + RunFolder.earlierInvocation + "\n" + "command: masklab train\ncommit: 0000000\n\(xeon)\n")
            .write(to: resumed, atomically: true, encoding: .utf8)
        let origins = CompareRunOrigins(compare, layout: layout)
        XCTAssertEqual(origins.mixedSeeds, [1, 2], "seed 2's one run was resumed on another machine: mixed inside the run")
        XCTAssertEqual(origins.kinds.count, 2)
        let md = origins.markdown
        XCTAssertTrue(md.contains("- commit 7a62981 · Linux 6.18.44-fc-v857 x86_64, AMD EPYC, 2 cores · OpenBLAS 0.3.21 Cooperlake: b/1, a/2"), md)
        XCTAssertTrue(md.contains("- commit 64bb8bf · Linux 6.18.44-fc-v595 x86_64, Intel(R) Xeon(R) Processor, 2 cores · OpenBLAS 0.3.21 SkylakeX: a/0, a/1"), md)
        XCTAssertTrue(md.contains("**The runs span 2 CPU models or BLAS kernel sets.**") && md.contains("the arms of seeds 1, 2 ran on more than one"), md)
        // All on one CPU model and kernel set: no warning.
        try write("b", 1, commit: "64bb8bf", xeon)
        try write("a", 2, commit: "64bb8bf", xeon)
        try FileManager.default.removeItem(at: layout.run(arm: "a", seed: 2).directory)
        let one = CompareRunOrigins(compare, layout: layout)
        XCTAssertEqual(one.mixedSeeds, [])
        XCTAssertFalse(one.markdown.contains("span"), one.markdown)
    }
}
