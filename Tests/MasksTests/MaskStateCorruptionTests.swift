import XCTest
import Foundation
import TensorCore
import Layers
import TestSupport
@testable import Masks
@testable import Training

/// Issue 12: the masking hook's saved state is checked before use. A corrupt generator position
/// (GSL indexes its state with it unchecked), a negative refresh count (the solver's loader
/// would start at a negative epoch) and non-finite importance are refused with the state's name,
/// the value and what was expected; a start failure is an error, not a crash.
final class MaskStateCorruptionTests: XCTestCase {
    override func setUp() { Parallel.setThreads(1) }

    private var config: MaskConfig {
        var c = MaskConfig(name: "importance", keep: 0.4)
        c.importance.steps = 2
        c.importance.refreshIterations = 5
        return c
    }

    private func run(_ dir: TemporaryDirectory, stopAfter: Int?) throws {
        let net = MaskFixtures.network()
        let hook = try MaskingHook(config: config, network: net, trainingSet: MaskFixtures.splits().train)
        try Trainer.run(config: MaskFixtures.config(epochs: 2), splits: MaskFixtures.splits(), network: net, outputDirectory: dir.url,
                        callbacks: stopAfter.map { [StopAfter(iteration: $0)] } ?? [], hooks: [hook], resume: stopAfter == nil)
    }

    private func expectRefusal(_ change: (inout SafetensorsFile) -> Void, _ words: [String], line: UInt = #line) throws {
        let dir = TemporaryDirectory()
        try run(dir, stopAfter: 10)
        let url = dir.file("last.safetensors")
        var file = try SafetensorsFile.read(from: url)
        change(&file)
        try file.write(to: url)
        XCTAssertThrowsError(try run(dir, stopAfter: nil), line: line) { error in
            guard case let TrainingError.checkpoint(.hookState(path, message)) = error else { return XCTFail("\(error)", line: line) }
            XCTAssertEqual(path, url.path, line: line)
            for w in words { XCTAssertTrue(message.contains(w), "\(message) lacks \(w)", line: line) }
        }
    }

    private func replace(_ file: inout SafetensorsFile, _ name: String, with tensor: (SafetensorsTensor) -> SafetensorsTensor) {
        let i = file.tensors.firstIndex { $0.name == name }!
        file.tensors[i] = tensor(file.tensors[i])
    }

    func testCorruptGeneratorPositionIsRefused() throws {
        try expectRefusal({ file in
            replace(&file, "hook.masks.rng") { t in
                var bytes = t.bytes
                withUnsafeBytes(of: Int32.min.littleEndian) { for (k, b) in $0.enumerated() { bytes[624 * 8 + k] = b } }
                return SafetensorsTensor(name: t.name, rawBytes: bytes)
            }
        }, ["hook.masks.rng", "position -2147483648", "0...624"])
    }

    func testNegativeRefreshCountIsRefused() throws {
        try expectRefusal({ file in
            replace(&file, "hook.masks.state.refreshes") { t in SafetensorsTensor(name: t.name, shape: [1], int64s: [-1]) }
        }, ["'refreshes' is -1", "0...2147483647"])
    }

    func testNonFiniteImportanceIsRefused() throws {
        try expectRefusal({ file in
            replace(&file, "hook.masks.state.importance") { t in
                var v = t.floats
                v[3] = .infinity
                return SafetensorsTensor(name: t.name, shape: t.shape, floats: v)
            }
        }, ["hook.masks.state.importance holds inf at index 3"])
    }
}
