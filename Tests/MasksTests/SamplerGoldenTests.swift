import XCTest
import Foundation
import TensorCore
import Layers
import Options
import TestSupport
@testable import Masks
@testable import Training

/// One short training run per sampler family through the real trainer, hashed: the final
/// weights (and a learned sampler's own tensors), every epoch's losses and accuracies, and the
/// hook's logs (`masks.csv`, the sampler's CSV files without wall times, `mask_analytics.csv`).
///
/// The expected hashes were produced by the code before the masking hook's redesign (one
/// sampler protocol with a default for every step point, wave 7; commit 01a2ced of main), so
/// the redesign provably changed no number of any family. A legitimate numeric change elsewhere
/// (a kernel, an optimiser) changes them too: regenerate with `MASKLAB_PRINT_GOLDEN=1` and say
/// why in the commit.
final class SamplerGoldenTests: XCTestCase {
    override func setUp() { Parallel.setThreads(1) }

    /// (label, sampler, changes to its config, expected hash).
    static var cases: [(String, String, (inout MaskConfig) throws -> Void, UInt64)] { [
        ("none", "none", { _ in }, 0xbce58617d57bd63d),
        ("dropconnect", "dropconnect", { $0.evalMask = .expected }, 0xa3e5cb7fa456e630),
        ("dropconnect-exactk-gradients", "dropconnect", { $0.sampling = .exactK; $0.target = .gradients }, 0x9007c0e4250f1163),
        ("importance", "importance", { c in
            c.importance.steps = 3
            c.importance.refreshIterations = 5
            c.importance.batches = 2
            c.evalMask = .expected
        }, 0x37b324139dd23a54),
        ("magnitude", "magnitude", { _ in }, 0x8c0493a98e8245ae),
        ("magnitude-gradients", "magnitude", { $0.target = .gradients }, 0x1eba9fccaef1e084),
        ("random", "random", { _ in }, 0x76c244aebcbe2aa9),
        ("set", "set", { $0.dst.updateEvery = 3 }, 0x26c27c53ae5f9430),
        ("rigl", "rigl", { $0.dst.updateEvery = 3; $0.dst.density = .erk }, 0x8ab8d2b7d5acfb1c),
        ("l1", "l1", { c in try flag(&c, "l1-lambda", "0.05"); try flag(&c, "l1-target-sparsity", "0.5") }, 0xf289b813cb549d95),
        ("l0", "l0", { c in try flag(&c, "l0-lambda", "1") }, 0x2394ed27542474bb),
        ("vd", "vd", { c in try flag(&c, "vd-kl-start", "0"); try flag(&c, "vd-kl-full", "1") }, 0xc881d590891755c7),
    ] }

    /// Sets the mask option with command-line flag `name` (flags outlive config key renames).
    static func flag(_ config: inout MaskConfig, _ name: String, _ text: String) throws {
        let o = try XCTUnwrap(MaskConfig.options.first { $0.flag == name }, "no flag --\(name)")
        try o.writeText(&config, text)
    }

    func testEveryFamilyTrainsAsBeforeTheHookRedesign() throws {
        var printed: [String] = []
        for (label, name, change, expected) in Self.cases {
            var config = MaskConfig(name: name, keep: 0.4)
            try change(&config)
            let hash = try Self.runHash(config)
            printed.append("\(label): 0x\(String(hash, radix: 16))")
            if ProcessInfo.processInfo.environment["MASKLAB_PRINT_GOLDEN"] == nil {
                XCTAssertEqual(hash, expected, "\(label): the run's numbers or logs changed (hash 0x\(String(hash, radix: 16)))")
            }
        }
        if ProcessInfo.processInfo.environment["MASKLAB_PRINT_GOLDEN"] != nil { print(printed.joined(separator: "\n")) }
    }

    /// FNV-1a-64 of a 2-epoch run of `config` on the mask fixtures (seed 7, one thread).
    static func runHash(_ config: MaskConfig) throws -> UInt64 {
        let dir = TemporaryDirectory()
        let net = MaskFixtures.network()
        let splits = MaskFixtures.splits()
        let hook = try MaskingHook(config: config, network: net, trainingSet: splits.train)
        let result = try Trainer.run(config: MaskFixtures.config(epochs: 2), splits: splits, network: net,
                                     outputDirectory: dir.url, hooks: [hook])
        var h = FNV()
        h.add(floats: net.store.values.tensor(Shape(net.store.count)).toArray())
        h.add(floats: net.store.bufferValues.tensor(Shape(net.store.bufferValues.count)).toArray())
        if let own = hook.trainableParameters { h.add(floats: own.values.tensor(Shape(own.count)).toArray()) }
        for m in result.history {
            h.add(text: "\(m.epoch),\(m.iterations),\(m.samples),\(m.learningRate.bitPattern)")
            for x in [m.trainLoss, m.trainAccuracy, m.testLoss, m.testAccuracy] { h.add(text: String(x.bitPattern)) }
        }
        for file in [MaskingHook.countsFile, MaskAnalytics.fileName] + hook.sampler.logFiles {
            guard let text = try? String(contentsOf: dir.file(file), encoding: .utf8) else {
                h.add(text: "no \(file)")
                continue
            }
            h.add(text: file)
            h.add(text: withoutColumn("seconds", text))
        }
        return h.value
    }

    /// `csv` without the column named `column` (wall times differ between runs).
    static func withoutColumn(_ column: String, _ csv: String) -> String {
        let lines = csv.split(separator: "\n", omittingEmptySubsequences: false)
        guard let header = lines.first, let k = header.split(separator: ",").firstIndex(of: Substring(column)) else { return csv }
        return lines.map { line in
            var fields = line.split(separator: ",", omittingEmptySubsequences: false)
            if fields.count > k { fields.remove(at: k) }
            return fields.joined(separator: ",")
        }.joined(separator: "\n")
    }

    struct FNV {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        mutating func add(byte: UInt8) {
            value ^= UInt64(byte)
            value = value &* 0x100_0000_01b3
        }
        mutating func add(floats: [Float]) { for x in floats { withUnsafeBytes(of: x.bitPattern.littleEndian) { for b in $0 { add(byte: b) } } } }
        mutating func add(text: String) { for b in text.utf8 { add(byte: b) }; add(byte: 0) }
    }
}
