import XCTest
import Foundation
@testable import Experiments

/// A seed whose runs ran on another CPU model or kernel set is named before anything trains here,
/// with the arms that ran elsewhere and the arms that would train here; seeds that stay on one
/// machine, and seeds with nothing left to train, are not.
final class CompareMachineGuardTests: XCTestCase {
    func testSeedsThatWouldMixMachinesAreNamed() throws {
        let base: [String: Any] = ["model": "mlp", "dataset": "mnist", "budget": ["epochs": 1], "masks": ["keep": 0.5]]
        let compare = try CompareConfig.parse(["name": "t", "seeds": [0, 1, 2, 3, 4, 5], "base": base,
                                               "arms": [["name": "a", "masks": ["name": "dropconnect"]], ["name": "b", "masks": ["name": "dropconnect"]]]],
                                              path: "c.json")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("machine-guard-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let layout = CompareLayout(directory: dir)
        let xeon = "machine: Linux 6.18.44-fc-v595 x86_64, Intel(R) Xeon(R) Processor, 2 cores\nblas: OpenBLAS 0.3.21 SkylakeX"
        let epycOtherVM = "machine: Linux 6.18.44-fc-v999 x86_64, AMD EPYC, 2 cores\nblas: OpenBLAS 0.3.21 Cooperlake"
        let here = RunOrigin(commit: "x", cpu: "AMD EPYC", blas: "OpenBLAS 0.3.21 Cooperlake").hardware
        func write(_ arm: String, _ seed: UInt64, _ blocks: [String]) throws {
            let run = layout.run(arm: arm, seed: seed).directory
            try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
            let text = blocks.map { "command: masklab train\ncommit: 64bb8bf\n\($0)\ndate: x\n" }.joined(separator: RunFolder.earlierInvocation + "\n")
            try text.write(to: run.appendingPathComponent("command.txt"), atomically: true, encoding: .utf8)
        }
        func pending(_ runs: [(String, UInt64)]) -> [URL] { runs.map { layout.run(arm: $0.0, seed: $0.1).directory } }

        func checkpoint(_ arm: String, _ seed: UInt64) throws {
            let run = layout.run(arm: arm, seed: seed)
            try FileManager.default.createDirectory(at: run.directory, withIntermediateDirectories: true)
            try Data([0]).write(to: run.checkpoint)
        }
        // Seed 0: both arms on the Xeon, nothing left to train. Seed 1: `a` on the Xeon, `b` to train.
        // Seed 2: `a` on an EPYC VM of another kernel build (one CPU model and kernel set), `b` to train.
        // Seed 3: `a` started on the Xeon, resumed here from its checkpoint, to train on.
        // Seed 4: `a` stopped on the Xeon before its first checkpoint: it trains from the start here.
        // Seed 5: `a` holds a checkpoint but no command.txt (copied by hand), `b` to train.
        try write("a", 0, [xeon]); try write("b", 0, [xeon])
        try write("a", 1, [xeon])
        try write("a", 2, [epycOtherVM])
        try write("a", 3, [epycOtherVM, xeon]); try checkpoint("a", 3)
        try write("a", 4, [xeon])
        try checkpoint("a", 5)
        let conflicts = CompareMachineGuard.conflicts(compare, layout: layout,
                                                      pending: pending([("b", 1), ("b", 2), ("a", 3), ("b", 3), ("a", 4), ("b", 4), ("b", 5)]), hardware: here)
        XCTAssertEqual(conflicts.map(\.seed), [1, 3, 5])
        XCTAssertEqual(conflicts[2].elsewhere.map(\.hardware), ["an unknown machine (a checkpoint without command.txt)"])
        XCTAssertEqual(conflicts[0].here, ["b"])
        XCTAssertEqual(conflicts[0].elsewhere.map(\.run), ["a"])
        XCTAssertEqual(conflicts[0].elsewhere.map(\.hardware), ["Intel(R) Xeon(R) Processor · OpenBLAS 0.3.21 SkylakeX"])
        XCTAssertEqual(conflicts[1].here, ["a", "b"], "a partial run started elsewhere conflicts on its own")

        let message = SeedMachineGuard.message(conflicts, path: dir.path, hardware: here)
        XCTAssertTrue(message.contains("seed 1: a ran on Intel(R) Xeon(R) Processor · OpenBLAS 0.3.21 SkylakeX; b would train here on AMD EPYC · OpenBLAS 0.3.21 Cooperlake."), message)
        XCTAssertTrue(message.contains("--allow-mixed-machines"), message)
        // Nothing pending: nothing to refuse, whatever ran where.
        XCTAssertEqual(CompareMachineGuard.conflicts(compare, layout: layout, pending: [], hardware: here), [])
        // On the Xeon, seed 2 conflicts instead (its `a` ran on the EPYC) and seed 1 does not.
        let onXeon = RunOrigin(invocation: "command: x\ncommit: y\n\(xeon)").hardware
        XCTAssertEqual(CompareMachineGuard.conflicts(compare, layout: layout, pending: pending([("b", 1), ("b", 2)]), hardware: onXeon).map(\.seed), [2])
    }

    /// The stride-2 kernels count as part of the machine too: a run recorded without the
    /// `strided:` line ran im2col, one that would run direct here has other bits, and the
    /// message says how to run the im2col kernels.
    func testDirectStride2CountsAsAnotherKernelSet() throws {
        let block = "command: masklab train\ncommit: y\nmachine: Linux 6.18 x86_64, Intel(R) Xeon(R) Processor, 2 cores\nblas: OpenBLAS 0.3.21 SkylakeX"
            + "\nwinograd: fused (narrow 3×3 layers per 16-tile block with AVX-512)"
        let old = RunOrigin(invocation: block)
        let im2col = RunOrigin(invocation: block + "\nstrided: im2col (column matrices and GEMMs: MASKLAB_DIRECT_STRIDED=0)")
        let direct = RunOrigin(invocation: block + "\nstrided: direct (stride-2 convolutions per block of 16 output pixels with AVX-512)")
        XCTAssertEqual(old.strided, "im2col")
        XCTAssertEqual(old.hardware, im2col.hardware)
        XCTAssertEqual(direct.strided, "direct")
        XCTAssertEqual(direct.hardware, "Intel(R) Xeon(R) Processor · OpenBLAS 0.3.21 SkylakeX · fused Winograd · direct stride 2")

        let base: [String: Any] = ["model": "mlp", "dataset": "mnist", "budget": ["epochs": 1], "masks": ["keep": 0.5]]
        let compare = try CompareConfig.parse(["name": "t", "seeds": [0], "base": base,
                                               "arms": [["name": "a", "masks": ["name": "dropconnect"]], ["name": "b", "masks": ["name": "dropconnect"]]]],
                                              path: "c.json")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("machine-guard-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let layout = CompareLayout(directory: dir)
        let run = layout.run(arm: "a", seed: 0).directory
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        try (block + "\ndate: x\n").write(to: run.appendingPathComponent("command.txt"), atomically: true, encoding: .utf8)
        let pending = [layout.run(arm: "b", seed: 0).directory]
        XCTAssertEqual(CompareMachineGuard.conflicts(compare, layout: layout, pending: pending, hardware: im2col.hardware), [])
        let conflicts = CompareMachineGuard.conflicts(compare, layout: layout, pending: pending, hardware: direct.hardware)
        XCTAssertEqual(conflicts.map(\.seed), [0])
        let message = SeedMachineGuard.message(conflicts, path: dir.path, hardware: direct.hardware)
        XCTAssertTrue(message.contains("MASKLAB_DIRECT_STRIDED=0 runs the im2col kernels"), message)
        XCTAssertFalse(message.contains("narrow-layer Winograd kernels differ"), "both ran fused: \(message)")
    }

    /// `reproduce` says which part of the hardware differs and which variable chooses a kernel
    /// switch (review item: its message named neither).
    func testHardwareDifferencesNameThePartAndTheVariable() {
        let xeon = RunOrigin(commit: "x", cpu: "Intel(R) Xeon(R) Processor", blas: "OpenBLAS 0.3.21 SkylakeX", winograd: "fused", strided: "direct")
        XCTAssertEqual(xeon.hardwareDifferences(from: xeon), [])
        var im2col = xeon
        im2col.strided = "im2col"
        XCTAssertEqual(xeon.hardwareDifferences(from: im2col), ["the stride-2 convolutions: im2col there, direct here (MASKLAB_DIRECT_STRIDED)"])
        let epyc = RunOrigin(commit: "x", cpu: "AMD EPYC", blas: "OpenBLAS 0.3.21 Cooperlake", winograd: "chunked", strided: "im2col")
        XCTAssertEqual(xeon.hardwareDifferences(from: epyc), [
            "the CPU: AMD EPYC there, Intel(R) Xeon(R) Processor here",
            "OpenBLAS: OpenBLAS 0.3.21 Cooperlake there, OpenBLAS 0.3.21 SkylakeX here (OPENBLAS_CORETYPE chooses the kernel set; "
                + "a version differs otherwise)",
            "the narrow Winograd layers: chunked there, fused here (MASKLAB_FUSED_WINOGRAD)",
            "the stride-2 convolutions: im2col there, direct here (MASKLAB_DIRECT_STRIDED)",
        ])
        XCTAssertEqual(xeon.hardwareDifferences(from: epyc).isEmpty, xeon.hardware == epyc.hardware)
    }

    /// The narrow-layer Winograd kernels count as part of the machine: a run recorded without the
    /// `winograd:` line (before the fused kernel) or with `chunked` conflicts with one that would
    /// train here fused, and the message says how to run the chunked kernels.
    func testFusedWinogradCountsAsAnotherKernelSet() throws {
        let block = "command: masklab train\ncommit: y\nmachine: Linux 6.18 x86_64, Intel(R) Xeon(R) Processor, 2 cores\nblas: OpenBLAS 0.3.21 SkylakeX"
        let old = RunOrigin(invocation: block)
        let chunked = RunOrigin(invocation: block + "\nwinograd: chunked (transform passes and GEMMs: MASKLAB_FUSED_WINOGRAD=0)")
        let fused = RunOrigin(invocation: block + "\nwinograd: fused (narrow 3×3 layers per 16-tile block with AVX-512)")
        XCTAssertEqual(old.winograd, "chunked")
        XCTAssertEqual(old.hardware, chunked.hardware)
        XCTAssertEqual(fused.winograd, "fused")
        XCTAssertEqual(fused.hardware, "Intel(R) Xeon(R) Processor · OpenBLAS 0.3.21 SkylakeX · fused Winograd")

        let base: [String: Any] = ["model": "mlp", "dataset": "mnist", "budget": ["epochs": 1], "masks": ["keep": 0.5]]
        let compare = try CompareConfig.parse(["name": "t", "seeds": [0], "base": base,
                                               "arms": [["name": "a", "masks": ["name": "dropconnect"]], ["name": "b", "masks": ["name": "dropconnect"]]]],
                                              path: "c.json")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("machine-guard-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let layout = CompareLayout(directory: dir)
        let run = layout.run(arm: "a", seed: 0).directory
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        try (block + "\ndate: x\n").write(to: run.appendingPathComponent("command.txt"), atomically: true, encoding: .utf8)
        let pending = [layout.run(arm: "b", seed: 0).directory]
        XCTAssertEqual(CompareMachineGuard.conflicts(compare, layout: layout, pending: pending, hardware: chunked.hardware), [])
        let conflicts = CompareMachineGuard.conflicts(compare, layout: layout, pending: pending, hardware: fused.hardware)
        XCTAssertEqual(conflicts.map(\.seed), [0])
        let message = SeedMachineGuard.message(conflicts, path: dir.path, hardware: fused.hardware)
        XCTAssertTrue(message.contains("MASKLAB_FUSED_WINOGRAD=0 runs the chunked kernels"), message)
    }
}
