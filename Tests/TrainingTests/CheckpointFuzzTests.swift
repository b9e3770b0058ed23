import XCTest
import Foundation
import TensorCore
import Stats
import Layers
import TestSupport
@testable import Training

/// Seeded mutation fuzzing of checkpoints, in process: a few hundred mutations of a small valid
/// checkpoint go through everything a resume does before training (`SafetensorsFile.decode`,
/// `Checkpoint.restore` into a network and optimiser with the position check). None may crash; every
/// refusal must be a typed error naming the file, and a refused file must leave the network and
/// the optimiser exactly as they were. Self-contained on purpose (its mutator is a dozen lines).
final class CheckpointFuzzTests: XCTestCase {
    static let cases = 400
    static let path = "fuzz.safetensors"

    func testMutatedCheckpointsNeverCrashAndRefusalsChangeNothing() throws {
        Parallel.setThreads(1)
        let (valid, iterationsPerEpoch) = try Self.validCheckpoint()
        let net = Fixtures.network()
        let optimizer = try OptimizerRegistry.make(Fixtures.config().optimizer, store: net.store)
        let rng = RandomStream(seed: 20_261_128)
        var refused = 0, loaded = 0
        for n in 0..<Self.cases {
            let bytes = Self.mutate(valid, rng)
            net.store.initialise(streams: RandomStreams(seed: UInt64(n)))
            optimizer.reset()
            let before = Self.state(net, optimizer)
            do {
                let file = try SafetensorsFile.decode(bytes, path: Self.path)
                _ = try Checkpoint.restore(file, path: Self.path, into: net, optimizer: optimizer, iterationsPerEpoch: iterationsPerEpoch)
                loaded += 1
            } catch let error as SafetensorsError {
                refused += 1
                XCTAssertTrue(error.description.hasPrefix(Self.path), "case \(n): \(error)")
                XCTAssertEqual(Self.state(net, optimizer), before, "case \(n): a refused file changed the network")
            } catch let error as CheckpointError {
                refused += 1
                XCTAssertTrue(error.description.hasPrefix(Self.path), "case \(n): \(error)")
                XCTAssertEqual(Self.state(net, optimizer), before, "case \(n): a refused file changed the network (\(error))")
            }
        }
        print("checkpoint fuzz: \(Self.cases) cases, \(refused) refused, \(loaded) loaded, 0 crashes")
        XCTAssertGreaterThan(refused, Self.cases / 2, "the mutations should mostly break the file")
    }

    /// One mutation of `bytes`: flip a bit, overwrite a byte, cut the file, duplicate a span, or
    /// replace a number in the JSON header with a hostile one (huge, negative, fractional).
    static func mutate(_ bytes: [UInt8], _ rng: RandomStream) -> [UInt8] {
        var b = bytes
        let headerEnd = 8 + Int(b[0]) + Int(b[1]) << 8
        switch rng.integer(below: 5) {
        case 0: b[rng.integer(below: b.count)] ^= UInt8(1) << UInt8(rng.integer(below: 8))
        case 1: b[rng.integer(below: headerEnd)] = UInt8(rng.integer(below: 256))
        case 2: b.removeLast(rng.integer(below: b.count))
        case 3:
            let start = rng.integer(below: b.count), length = rng.integer(below: min(64, b.count - start) + 1)
            b.insert(contentsOf: b[start..<(start + length)], at: rng.integer(below: b.count))
        default:
            let hostile = ["4294967296", "-3", "1e8", "9223372036854775807", "18446744073709551616", "0.5", "1e308", "-0", "\"x\""]
            var header = String(decoding: b[8..<headerEnd], as: UTF8.self)
            let numbers = header.ranges(of: /-?[0-9]+/)
            if !numbers.isEmpty {
                header.replaceSubrange(numbers[rng.integer(below: numbers.count)], with: hostile[rng.integer(below: hostile.count)])
            }
            b = CheckpointCorruptionTests.rewriteHeader(b) { _ in header }
        }
        return b
    }

    /// A small valid checkpoint (mid-epoch, with optimiser state) and its run's batches per epoch.
    static func validCheckpoint() throws -> ([UInt8], Int) {
        let dir = TemporaryDirectory()
        let recorder = Recorder()
        recorder.stopAfterIteration = 10
        try Trainer.run(config: Fixtures.config(epochs: 2), splits: Fixtures.splits(), network: Fixtures.network(),
                        outputDirectory: dir.url, callbacks: [recorder])
        return ([UInt8](try Data(contentsOf: dir.file("last.safetensors"))), 8)
    }

    static func state(_ net: Network, _ optimizer: any Optimizer) -> [UInt32] {
        var out = net.store.values.tensor(Shape(net.store.count)).toArray().map(\.bitPattern)
        for (_, t) in optimizer.stateTensors { out += t.toArray().map(\.bitPattern) }
        out += net.store.counters.map { UInt32(truncatingIfNeeded: $0.value) }
        out.append(UInt32(truncatingIfNeeded: optimizer.stepCount))
        return out
    }
}
