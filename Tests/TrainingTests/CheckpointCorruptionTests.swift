import XCTest
import Foundation
import TensorCore
import Stats
import Layers
import TestSupport
@testable import Training

/// Issue 12: corrupt checkpoints are refused with the file, the tensor or key, what was expected
/// and what was found, and change nothing; none crashes the process. Each file here is built by
/// hand from a valid checkpoint with one thing changed.
final class CheckpointCorruptionTests: XCTestCase {
    override func setUp() { Parallel.setThreads(1) }

    /// A short run's folder with its `last.safetensors` (mid-epoch: 3 of 8 batches of epoch 1).
    private func trainedRun() throws -> TemporaryDirectory {
        let dir = TemporaryDirectory()
        var config = Fixtures.config(epochs: 3)
        config.checkpointEveryIterations = 11
        let recorder = Recorder()
        recorder.stopAfterIteration = 10
        try Trainer.run(config: config, splits: Fixtures.splits(), network: Fixtures.network(), outputDirectory: dir.url,
                        callbacks: [recorder])
        return dir
    }

    private func resume(_ dir: TemporaryDirectory) throws {
        try Trainer.run(config: Fixtures.config(epochs: 3), splits: Fixtures.splits(), network: Fixtures.network(),
                        outputDirectory: dir.url, resume: true)
    }

    /// Rewrites the checkpoint in `dir` with `change` applied to its decoded contents.
    private func corrupt(_ dir: TemporaryDirectory, _ change: (inout SafetensorsFile) -> Void) throws {
        let url = dir.file("last.safetensors")
        var file = try SafetensorsFile.read(from: url)
        change(&file)
        try file.write(to: url)
    }

    private func expectMetadataError(_ dir: TemporaryDirectory, key: String, got: String, range: String,
                                     line: UInt = #line) {
        XCTAssertThrowsError(try resume(dir), line: line) { error in
            guard case let TrainingError.checkpoint(.metadata(path, k, expected, g)) = error else {
                return XCTFail("\(error)", line: line)
            }
            XCTAssertEqual(path, dir.file("last.safetensors").path, line: line)
            XCTAssertEqual(k, key, line: line)
            XCTAssertEqual(g, got, line: line)
            XCTAssertTrue(expected.contains(range), "\(expected) lacks \(range)", line: line)
            let text = "\(error)"
            XCTAssertTrue(text.contains(key) && text.contains(got) && text.contains(range), text, line: line)
        }
    }

    func testOutOfRangeMetadataIsRefusedWithKeyValueAndRange() throws {
        let cases: [(key: String, value: String, range: String)] = [
            ("batch_in_epoch", "-3", "0...1000000000000"),
            ("batch_in_epoch", "100000000", "0...8"),             // fits the type, not this run (8 batches per epoch)
            ("epoch", "9223372036854775807", "0...1000000000000"),
            ("step", "-1", "0...1000000000000"),
            ("step", "12", "11...11"),                              // epoch 1, batch 3: step must be 8 + 3
            ("optimizer_step", "1e8", "0...1000000000000"),
            ("epoch_correct", "97", "0...96"),                      // more correct than samples (3 batches × 32)
            ("epoch_loss_sum", "nan", "finite"),
            ("epoch_train_seconds", "-1", "finite"),
            ("seed", "-7", "unsigned"),
        ]
        for c in cases {
            let dir = try trainedRun()
            try corrupt(dir) { $0.metadata[c.key] = c.value }
            expectMetadataError(dir, key: c.key, got: "\"\(c.value)\"", range: c.range)
        }
        let dir = try trainedRun()
        try corrupt(dir) { $0.metadata["history"] = "[]" }
        expectMetadataError(dir, key: "history", got: "0", range: "1 completed epochs")
        // A row's epoch of 2^63 − 1 overflowed where the curves are drawn (epoch + 1).
        let huge = try trainedRun()
        try corrupt(huge) { $0.metadata["history"] = $0.metadata["history"]!.replacingOccurrences(of: #""epoch":0,"#, with: #""epoch":9223372036854775807,"#) }
        XCTAssertThrowsError(try resume(huge)) { error in
            guard case let TrainingError.checkpoint(.metadata(_, "history", expected, got)) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(expected.contains("row 0 with epoch 0"), expected)
            XCTAssertTrue(got.contains("epoch 9223372036854775807"), got)
        }
    }

    func testShapeThatOverflowsIsRefusedWithTheTensorName() throws {
        let dir = try trainedRun()
        let url = dir.file("last.safetensors")
        let before = try Data(contentsOf: url)
        try Data(Self.rewriteHeader([UInt8](before)) {
            $0.replacingOccurrences(of: #""fc1.weight":{"dtype":"F32","shape":[16,64]"#,
                                    with: #""fc1.weight":{"dtype":"F32","shape":[4294967296,4294967296]"#)
        }).write(to: url)
        XCTAssertThrowsError(try resume(dir)) { error in
            guard case let TrainingError.checkpoint(.file(.invalidTensor(path, name, _, _, got))) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(path, url.path)
            XCTAssertEqual(name, "fc1.weight")
            XCTAssertEqual(got, "[4294967296, 4294967296]")
        }
    }

    /// Issue 12 item 7: a checkpoint whose `fc1.weight` is all NaN trained to "completed" with exit 0
    /// (ReLU hides NaN from the loss guard) and `eval` scored it. Now resuming and loading for
    /// evaluation (no optimiser) both refuse it, naming the tensor and the first index, and leave
    /// the network as it was.
    func testNaNWeightsInACheckpointAreRefusedOnResumeAndEvaluation() throws {
        let dir = try trainedRun()
        try corrupt(dir) { file in
            let i = file.tensors.firstIndex { $0.name == "fc1.weight" }!
            file.tensors[i] = SafetensorsTensor(name: "fc1.weight", shape: [16, 64], floats: [Float](repeating: .nan, count: 16 * 64))
        }
        XCTAssertThrowsError(try resume(dir)) { error in
            guard case let TrainingError.checkpoint(.nonFinite(_, name, index, value)) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(name, "fc1.weight")
            XCTAssertEqual(index, 0)
            XCTAssertTrue(value.isNaN)
            XCTAssertTrue("\(error)".contains("'fc1.weight' holds nan at index 0"), "\(error)")
        }
        let net = Fixtures.network()
        net.store.initialise(streams: RandomStreams(seed: 1))
        let before = net.store.values.tensor(Shape(net.store.count)).toArray()
        XCTAssertThrowsError(try Checkpoint.load(from: dir.file("last.safetensors"), into: net, optimizer: nil)) { error in
            guard case CheckpointError.nonFinite(_, "fc1.weight", 0, _) = error else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(net.store.values.tensor(Shape(net.store.count)).toArray(), before, "a refused checkpoint changed the weights")
    }

    /// Review item: one flipped bit in a weight of `last.safetensors` (still a finite float) was
    /// resumed from and evaluated. The data checksum MaskLab writes now refuses it in both, naming
    /// the file, and leaves the network as it was.
    func testAFlippedBitInTheTensorDataIsRefusedOnResumeAndEvaluation() throws {
        let dir = try trainedRun()
        let url = dir.file("last.safetensors")
        var bytes = try [UInt8](Data(contentsOf: url))
        bytes[bytes.count - 100] ^= 0x10
        try Data(bytes).write(to: url)
        XCTAssertThrowsError(try resume(dir)) { error in
            guard case TrainingError.checkpoint(.file(.checksum(path: url.path, _, _, _))) = error else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("\(url.path): the tensor data does not match its checksum"), "\(error)")
        }
        let net = Fixtures.network()
        net.store.initialise(streams: RandomStreams(seed: 1))
        let before = net.store.values.tensor(Shape(net.store.count)).toArray()
        XCTAssertThrowsError(try Checkpoint.load(from: url, into: net, optimizer: nil)) { error in
            guard case CheckpointError.file(.checksum) = error else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(net.store.values.tensor(Shape(net.store.count)).toArray(), before, "a refused checkpoint changed the weights")
    }

    func testInfiniteOptimizerStateIsRefused() throws {
        let dir = try trainedRun()
        try corrupt(dir) { file in
            let i = file.tensors.firstIndex { $0.name.hasPrefix("optimizer.fc2.bias") }!
            let t = file.tensors[i]
            var v = t.floats
            v[2] = -.infinity
            file.tensors[i] = SafetensorsTensor(name: t.name, shape: t.shape, floats: v)
        }
        XCTAssertThrowsError(try resume(dir)) { error in
            guard case let TrainingError.checkpoint(.nonFinite(_, name, 2, value)) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(name.hasPrefix("optimizer.fc2.bias"), name)
            XCTAssertEqual(value, -.infinity)
        }
    }

    /// The file's bytes with its JSON header replaced by `change(header)`, re-padded and re-sized.
    static func rewriteHeader(_ bytes: [UInt8], _ change: (String) -> String) -> [UInt8] {
        var n = 0
        for i in 0..<8 { n |= Int(bytes[i]) << (8 * i) }
        var header = Array(change(String(decoding: bytes[8..<(8 + n)], as: UTF8.self)).utf8)
        header += [UInt8](repeating: UInt8(ascii: " "), count: (8 - header.count % 8) % 8)
        var out: [UInt8] = []
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { out += $0 }
        return out + header + bytes[(8 + n)...]
    }
}
