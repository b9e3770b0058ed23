import XCTest
import Foundation
import TensorCore
import Stats
import Layers
import Models
import TestSupport
@testable import Training

/// Plain PyTorch state_dicts in safetensors (no MaskLab metadata) load into the matching model,
/// and anything that does not fit is refused with the first mismatching name.
final class StateDictTests: XCTestCase {
    override func setUp() { Parallel.setThreads(1) }

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let fixture = fixtures.appendingPathComponent("pytorch-mlp-784-4-10.safetensors")

    /// The value the fixture script writes at flat index k of every tensor.
    static func fixtureValue(_ k: Int) -> Float { Float(Double((37 * k) % 101 - 50) / 500) }

    private func mlp(_ hidden: [Int]) throws -> Network {
        try ModelRegistry.make("mlp", sampleShape: Shape(1, 28, 28), classes: 10, options: ModelOptions(hidden: hidden))
    }

    /// The committed fixture was written by the reference `safetensors` library
    /// (`Tests/Fixtures/pytorch_state_dict.py fixture`): every value lands where PyTorch put it.
    func testReferenceLibraryFileLoadsIntoTheMatchingModel() throws {
        let net = try mlp([4])
        try StateDict.load(from: Self.fixture, into: net)
        for p in net.store.parameters {
            let values = p.value.toArray()
            XCTAssertEqual(values, (0..<values.count).map(Self.fixtureValue), p.name)
        }
        // A MaskLab checkpoint is refused by the strict loader for lack of metadata; the plain loader needs none.
        XCTAssertThrowsError(try Checkpoint.load(from: Self.fixture, into: try mlp([4]), optimizer: nil))
    }

    /// With python3 and `safetensors` installed, the script regenerates the fixture byte for byte.
    func testFixtureIsWhatTheReferenceLibraryWrites() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("fixture-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: out) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", Self.fixtures.appendingPathComponent("pytorch_state_dict.py").path, "fixture", out.path]
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { throw XCTSkip("python3 not available: \(error)") }
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw XCTSkip("python3 with safetensors and numpy not available (pip install safetensors numpy)") }
        XCTAssertEqual(try Data(contentsOf: out), try Data(contentsOf: Self.fixture))
    }

    func testMismatchesNameTheFirstTensorThatDoesNotFit() throws {
        func message(_ body: () throws -> Void) -> String {
            do { try body() } catch { return "\(error)" }
            return "no error"
        }
        // Wider hidden layer: fc1.weight is the first tensor in state_dict order and is named.
        let wide = message { try StateDict.load(from: Self.fixture, into: try self.mlp([8])) }
        XCTAssertTrue(wide.contains("tensor 'fc1.weight': the model expects F32 [8, 784], the file has F32 [4, 784]"), wide)
        // Deeper model: fc3.* are missing.
        let deep = message { try StateDict.load(from: Self.fixture, into: try self.mlp([4, 10])) }
        XCTAssertTrue(deep.contains("'fc3.weight'") && deep.contains("missing"), deep)
        // An extra tensor the model lacks.
        var file = try SafetensorsFile.read(from: Self.fixture)
        file.tensors.append(SafetensorsTensor(name: "fc9.weight", shape: [1], floats: [0]))
        let extra = message { try StateDict.restore(file, path: "x.safetensors", into: try self.mlp([4])) }
        XCTAssertTrue(extra.contains("'fc9.weight' is not a parameter or buffer"), extra)
        // nn.DataParallel's "module." prefix is named with the fix.
        var wrapped = try SafetensorsFile.read(from: Self.fixture)
        wrapped.tensors = wrapped.tensors.map { SafetensorsTensor(name: "module." + $0.name, shape: $0.shape, floats: $0.floats) }
        let dataParallel = message { try StateDict.restore(wrapped, path: "x.safetensors", into: try self.mlp([4])) }
        XCTAssertTrue(dataParallel.contains("nn.DataParallel's 'module.' prefix: save model.module.state_dict() instead"), dataParallel)
        // Nothing was written by the failed loads.
        let untouched = try mlp([4])
        let before = untouched.store.values.tensor(Shape(untouched.store.count)).toArray()
        XCTAssertThrowsError(try StateDict.restore(file, path: "x", into: untouched))
        XCTAssertEqual(untouched.store.values.tensor(Shape(untouched.store.count)).toArray(), before)
    }

    /// A MaskLab checkpoint stripped to a plain state_dict (what PyTorch would save) restores the
    /// same weights, buffers and BatchNorm counters.
    func testCheckpointWithoutMetadataRestoresTheSameNetwork() throws {
        let source = Fixtures.network()
        source.store.initialise(streams: RandomStreams(seed: 5))
        for c in source.store.counters { c.value = 7 }
        for i in 0..<source.store.bufferValues.count { source.store.bufferValues.base[i] = Float(i) * 0.01 }
        let full = Checkpoint.encode(network: source, optimizer: nil, progress: TrainingProgress(), seed: 5)
        let plain = SafetensorsFile(tensors: full.tensors, metadata: [:])
        XCTAssertFalse(StateDict.isCheckpoint(plain))
        XCTAssertTrue(StateDict.isCheckpoint(full))
        let target = Fixtures.network()
        try StateDict.restore(plain, path: "plain", into: target)
        XCTAssertEqual(target.store.values.tensor(Shape(target.store.count)).toArray(), source.store.values.tensor(Shape(source.store.count)).toArray())
        XCTAssertEqual(Array(UnsafeBufferPointer(start: target.store.bufferValues.base, count: target.store.bufferValues.count)),
                       Array(UnsafeBufferPointer(start: source.store.bufferValues.base, count: source.store.bufferValues.count)))
        XCTAssertEqual(target.store.counters.map(\.value), source.store.counters.map(\.value))
    }
}
